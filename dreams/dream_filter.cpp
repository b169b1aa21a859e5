// Dream filtering: of all the dreams the sleeping brain makes, only a subset is
// kept, and emotionally charged ones pass most often (Kong & Aarabi's review).
// Every replay of the hippocampus it is wired to keeps a fraction of its
// memories, the most salient first (amygdala tags; without them all are equal)
// or at random; only the dreams of those memories drive learning.
#include "sim/model/dream_module.hpp"
#include "sim/model/model.hpp"

namespace somnus {

namespace {

struct FilterParams : DreamModuleParams {
    ReplayFilter filter;
};

const ParameterSet& parameters() {
    static const ParameterSet set{
        "dream_filter",
        "",
        {number("fraction", 0.5, 1e-6, 1.0, "share of each replay's memories kept"),
         choice("prefer", name_of(ReplayFilter{}.prefer), names_of<KeptMemories>(),
                "which memories are kept: the most salient (amygdala tags) or a random draw")}};
    return set;
}

std::shared_ptr<const DreamModuleParams> parse(ObjectReader& r) {
    auto p = std::make_shared<FilterParams>();
    p->filter.fraction = r.number("fraction");
    p->filter.prefer = r.choice_of<KeptMemories>("prefer");
    return p;
}

class DreamFilter : public DreamModule {
public:
    DreamFilter(const FilterParams& p, ModuleKind) : p_(p) {}
    void attach(Model& model) override { model.hippocampus.set_filter(p_.filter); }

private:
    FilterParams p_;
};

}  // namespace

DreamModuleType dream_filter_type() {
    return {"dream_filter",
            "dream filtering: each replay keeps a fraction of its memories, the most salient first",
            {ModuleKind::hippocampus},
            parse,
            make_dream_module<DreamFilter, FilterParams>,
            &parameters()};
}

}  // namespace somnus
