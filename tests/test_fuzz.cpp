// Bounded random mutation of valid specs: whatever a typo or a wrong edit does to
// a spec, checking it either succeeds or throws a SpecError that names a place;
// nothing else may escape (no crash, no other exception, no hang). The corpus of
// hand-written bad specs and their exact errors is tests/bad_specs/ (ctest
// BadSpecs.*); this test covers what nobody thought of.
#include <chrono>
#include <random>

#include <gtest/gtest.h>

#include "sim/circuit/circuit.hpp"
#include "sim/run/schedule.hpp"
#include "sim/spec/spec.hpp"
#include "tests/helpers.hpp"

namespace somnus {
namespace {

// Every JSON pointer to a value in the document (objects and arrays included).
void collect(const Json& j, const JsonPointer& at, std::vector<JsonPointer>& out) {
    out.push_back(at);
    if (j.is_object())
        for (auto it = j.begin(); it != j.end(); ++it) collect(it.value(), at / it.key(), out);
    else if (j.is_array())
        for (std::size_t i = 0; i < j.size(); ++i) collect(j[i], at / std::to_string(i), out);
}

class Mutator {
public:
    explicit Mutator(std::uint32_t seed) : rng_(seed) {}

    // One random edit; returns what it did, for the failure message.
    std::string mutate(Json& doc) {
        std::vector<JsonPointer> places;
        collect(doc, JsonPointer(), places);
        const JsonPointer at = places[pick(places.size())];
        const std::string where = at.to_string().empty() ? "/" : at.to_string();
        switch (pick(6)) {
            case 0:  // delete
                if (at.empty()) return "nothing";
                erase(doc, at);
                return "delete " + where;
            case 1: {  // another type or an extreme value
                Json v = random_value();
                doc[at] = v;
                return "set " + where + " = " + v.dump();
            }
            case 2: {  // misspell a key
                if (at.empty() || !doc.at(at.parent_pointer()).is_object()) return "nothing";
                std::string key = at.back();
                if (key.empty()) return "nothing";
                key[pick(key.size())] = static_cast<char>('a' + pick(26));
                Json v = doc.at(at);
                erase(doc, at);
                doc[at.parent_pointer() / key] = v;
                return "rename " + where + " to " + key;
            }
            case 3: {  // duplicate an array element
                Json& target = doc[at];
                if (!target.is_array() || target.empty()) return "nothing";
                target.push_back(target[pick(target.size())]);
                return "duplicate an element of " + where;
            }
            case 4: {  // a string from elsewhere in the spec (a module, state or key name)
                std::vector<std::string> words{"wake",      "nrem",       "rem",   "hippocampus",
                                               "conductor", "V1_encoder", "sleep", "feedback",
                                               "replay",    "",           "all",   "-1"};
                doc[at] = words[pick(words.size())];
                return "set " + where + " = \"" + doc[at].get<std::string>() + "\"";
            }
            default: {  // a number nudged out of its range
                if (!doc.at(at).is_number()) return "nothing";
                const double factor[] = {-1.0, 0.0, 1e9, 1e-9, 1e300};
                doc[at] = doc.at(at).get<double>() * factor[pick(5)];
                return "scale " + where + " to " + doc[at].dump();
            }
        }
    }

private:
    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
    static void erase(Json& doc, const JsonPointer& at) {
        Json& parent = doc[at.parent_pointer()];
        if (parent.is_object())
            parent.erase(at.back());
        else
            parent.erase(parent.begin() + static_cast<std::ptrdiff_t>(std::stoul(at.back())));
    }
    Json random_value() {
        switch (pick(10)) {
            case 0: return nullptr;
            case 1: return true;
            case 2: return "x";
            case 3: return -1;
            case 4: return 0;
            case 5: return 2.5;
            case 6: return std::int64_t(1) << 62;
            case 7: return Json::array();
            case 8: return Json::object();
            default: return Json::array({1, "two", nullptr});
        }
    }
    std::mt19937 rng_;
};

TEST(Fuzz, MutatedSpecsAreAcceptedOrRejectedWithASpecErrorNeverAnythingElse) {
    const char* bases[] = {"experiments/pad.json", "experiments/deprivation/recovery.json",
                           "experiments/aws_oscillatory.json", "experiments/dreams/dream_literature.json",
                           "experiments/pharmacology/rem_cholinergic_antagonist.json"};
    Mutator mutator(20261124);
    int accepted = 0, rejected = 0;
    std::vector<std::string> escaped;
    for (const char* base : bases) {
        const Json original = load_spec_file(test::source_path(base));
        for (int i = 0; i < 1000; ++i) {
            Json doc = original;
            std::string edits;
            for (int k = 0, n = 1 + i % 3; k < n; ++k) edits += (edits.empty() ? "" : "; ") + mutator.mutate(doc);
            const auto start = std::chrono::steady_clock::now();
            try {
                ExperimentSpec spec = parse_spec(doc);
                Circuit::build(spec);
                expand_schedule(spec, 156);
                ++accepted;
            } catch (const SpecError& e) {
                EXPECT_FALSE(std::string(e.what()).empty());
                ++rejected;
            } catch (const std::exception& e) {
                escaped.push_back(std::string(base) + ": " + edits + " -> " + e.what());
            }
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            EXPECT_LT(seconds, 2.0) << base << ": " << edits << " took " << seconds << " s";
        }
    }
    for (const auto& e : escaped) ADD_FAILURE() << e;
    EXPECT_GT(rejected, 1500);  // the mutations do break specs...
    EXPECT_GT(accepted, 250);   // ...and some leave them valid
    std::printf("fuzz: 5000 mutated specs, %d accepted, %d rejected with a spec error, %zu other errors\n", accepted,
                rejected, escaped.size());
}

}  // namespace
}  // namespace somnus
