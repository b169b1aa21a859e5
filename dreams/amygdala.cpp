// The amygdala: emotional salience of memories. After Wake stores an episode,
// each of its memories gets a salience tag, from its class (a label -> weight
// map: "fearful" classes count more) or from its surprise (the reconstruction
// error of the image, relative to the mini-batch's mean). Salience biases replay
// (the hippocampus draws episodes or memories in proportion to it) and, with
// "retention", which episode a full store forgets (the least salient).
// Emotionally charged dreams are the ones remembered (Kong & Aarabi's review).
#include "sim/model/dream_module.hpp"
#include "sim/model/model.hpp"

namespace somnus {

namespace {

// What makes a memory salient: its class label, or its reconstruction error (surprise).
enum class SalienceSource { label, surprise };
const EnumNames<SalienceSource>& enum_names(SalienceSource) {
    static const EnumNames<SalienceSource> names{{SalienceSource::label, "class"},
                                                 {SalienceSource::surprise, "surprise"}};
    return names;
}

struct AmygdalaParams : DreamModuleParams {
    SalienceSource source = SalienceSource::label;
    std::map<std::int64_t, double> classes;  // label -> salience; unlisted labels get `baseline`
    double baseline = 1.0;
    bool retention = true;                    // a full store forgets its least salient episode first
    std::vector<std::string> states{"wake"};  // states after whose storing it tags
};

const ParameterSet& parameters() {
    const AmygdalaParams p;
    static const ParameterSet set{
        "amygdala",
        "",
        {choice("source", name_of(p.source), names_of<SalienceSource>(),
                "what makes a memory salient: its class label, or its reconstruction error (surprise)"),
         shaped("classes", Json::object(), "{label: salience}",
                {{"type", "object"},
                 {"propertyNames", {{"pattern", "^[0-9]+$"}}},
                 {"additionalProperties", {{"type", "number"}, {"minimum", 0}, {"maximum", 1e6}}}},
                "source \"class\": salience of the memories of each class label (integers >= 0), in [0, 1e6]"),
         number("baseline", p.baseline, 0.0, 1e6, "salience of the labels \"classes\" leaves out"),
         boolean("retention", p.retention, "a full hippocampus forgets its least salient memory first"),
         strings("states", p.states, "brain states after whose storing a memory is tagged")}};
    return set;
}

std::shared_ptr<const DreamModuleParams> parse(ObjectReader& r) {
    auto p = std::make_shared<AmygdalaParams>();
    p->source = r.choice_of<SalienceSource>("source");
    if (const Json* classes = r.child("classes")) {
        if (!classes->is_object())
            throw SpecError(r.at("classes").to_string(),
                            "expected an object {\"label\": salience}, got " + json_type_name(*classes));
        ObjectReader cr(*classes, r.at("classes"));
        for (auto it = classes->begin(); it != classes->end(); ++it) {
            std::int64_t label = -1;
            try {
                std::size_t used = 0;
                label = std::stoll(it.key(), &used);
                if (used != it.key().size()) label = -1;
            } catch (const std::exception&) {}
            if (label < 0)
                throw SpecError(cr.at(it.key()).to_string(),
                                "class labels are integers >= 0, got \"" + it.key() + "\"");
            p->classes[label] = cr.number(it.key(), 1.0, 0.0, 1e6);
        }
    }
    p->baseline = r.number("baseline");
    p->retention = r.boolean("retention");
    p->states = r.strings("states");
    if (p->source == SalienceSource::surprise && !p->classes.empty())
        throw SpecError(r.at("classes").to_string(),
                        "\"classes\" weights memories by label; with \"source\": \"surprise\" salience comes from the "
                        "reconstruction error");
    return p;
}

class Amygdala : public DreamModule {
public:
    Amygdala(const AmygdalaParams& p, ModuleKind) : p_(p) {}

    void attach(Model& model) override {
        if (p_.retention) model.hippocampus.set_retention(Retention::salience);
    }

    void after_step(const std::string& state, Model& model, const Experience& batch, const StepClock&) override {
        if (!acts_in(p_.states, state) || model.hippocampus.episodes_stored() == tagged_) return;
        tagged_ = model.hippocampus.episodes_stored();
        torch::NoGradGuard no_grad;
        model.hippocampus.tag_newest(salience(model, batch));
    }

    torch::Tensor salience(Model& model, const Experience& batch) const {
        if (p_.source == SalienceSource::surprise) {
            auto x = batch.images;
            auto error = (model.generator->image(model.encoder->latent(x)) - x).pow(2).flatten(1).mean(1);
            return error / error.mean().clamp_min(1e-12);
        }
        auto labels = batch.labels.to(torch::kCPU);
        auto s = torch::full({labels.size(0)}, p_.baseline, torch::kFloat32);  // host: filled here, moved by tag_newest
        auto l = labels.accessor<std::int64_t, 1>();
        auto out = s.accessor<float, 1>();
        for (std::int64_t i = 0; i < labels.size(0); ++i)
            if (auto it = p_.classes.find(l[i]); it != p_.classes.end()) out[i] = static_cast<float>(it->second);
        return s;
    }

    std::vector<double> state() const override { return {double(tagged_)}; }
    void restore(const std::vector<double>& state) override { tagged_ = static_cast<std::int64_t>(state.at(0)); }

private:
    AmygdalaParams p_;
    std::int64_t tagged_ = 0;  // episodes stored when it last tagged
};

void check(const ExperimentSpec& spec, const ModuleSpec& m) {
    const auto& p = dream_params_of<AmygdalaParams>(m);
    check_state_names(spec, m, p.states);
    for (const auto& other : spec.modules)
        if (const auto* h = other.params.get_if<HippocampusParams>();
            h && h->replay == ReplaySource::newest && !p.retention)
            throw SpecError(m.pointer, "the amygdala changes nothing here: hippocampus \"" + other.name +
                                           "\" replays the newest episode (set its \"replay\" to \"episode\" or "
                                           "\"memories\"), and \"retention\" is off");
}

}  // namespace

DreamModuleType amygdala_type() {
    return {"amygdala",
            "emotional salience: memories tagged by class or surprise; salience biases replay and retention",
            {ModuleKind::hippocampus},
            parse,
            make_dream_module<Amygdala, AmygdalaParams>,
            &parameters(),
            check};
}

}  // namespace somnus
