#include <gtest/gtest.h>

#include "hippocampus/params.hpp"
#include "sim/circuit/circuit.hpp"
#include "sim/record/probe_support.hpp"
#include "sim/spec/spec.hpp"
#include "tests/helpers.hpp"

using namespace somnus;

namespace {

Json pad_document() { return load_spec_file(test::source_path("experiments/pad.json")); }

// The SpecError that parsing `document` throws (fails the test if none).
SpecError spec_error(const Json& document) {
    try {
        parse_spec(document);
    } catch (const SpecError& e) {
        return e;
    }
    ADD_FAILURE() << "expected a SpecError for " << document.dump();
    return SpecError("", "");
}

}  // namespace

TEST(Spec, ShippedPadSpecParsesWithTheReferenceBudget) {
    ExperimentSpec spec = parse_spec(pad_document());
    EXPECT_EQ(spec.seed, 0);
    EXPECT_EQ(spec.data.train_subset, 10000);
    EXPECT_EQ(spec.schedule.epochs, 2);
    EXPECT_EQ(spec.schedule.batch_size, 64);
    EXPECT_EQ(spec.schedule.cycle, (std::vector<std::string>{"wake", "nrem", "rem"}));
    EXPECT_DOUBLE_EQ(spec.training.encoder.lr, 2e-4);
    EXPECT_DOUBLE_EQ(spec.training.generator.beta1, 0.5);
    EXPECT_EQ(spec.modules.size(), 5u);
    EXPECT_EQ(spec.pathways.size(), 7u);
    EXPECT_DOUBLE_EQ(spec.eval.linear_readout.lr, 0.2);
    EXPECT_EQ(spec.eval.linear_readout.epochs, 20);
}

TEST(Spec, EmptyDocumentGetsThePadDefaults) {
    ExperimentSpec spec = parse_spec(Json::object());
    EXPECT_EQ(spec.states.size(), 3u);
    EXPECT_EQ(spec.modules.size(), 5u);
}

// The resolved spec (what a log records as "spec") holds every value the parser
// used, down to the parameters of each module and state; the spec as written is
// kept beside it.
TEST(Spec, TheResolvedSpecHoldsEveryDefaultTheParserUsed) {
    const Json written = {{"schedule", {{"epochs", 3}}}};
    ExperimentSpec spec = parse_spec(written);
    const Json& r = spec.source;
    EXPECT_EQ(r.at("/schedule/epochs"_json_pointer), 3);
    EXPECT_EQ(r.at("/schedule/batch_size"_json_pointer), 64);
    EXPECT_EQ(r.at("/schedule/cycle"_json_pointer), Json({"wake", "nrem", "rem"}));
    EXPECT_EQ(r.at("/states/rem/lambda"_json_pointer), 0.5);
    EXPECT_EQ(r.at("/states/rem/first_step"_json_pointer), "reference");
    EXPECT_EQ(r.at("/modules/V1_encoder/leaky_slope"_json_pointer), 0.2);
    EXPECT_EQ(r.at("/modules/conductor/levels/rem/na"_json_pointer), 0.0);
    EXPECT_EQ(r.at("/training/encoder_optimizer/lr"_json_pointer), 2e-4);
    EXPECT_EQ(r.at("/data/train_subset"_json_pointer), spec.data.train_subset);
    EXPECT_EQ(r.at("/eval/linear_readout/epochs"_json_pointer), 20);
    EXPECT_EQ(r.at("/pathways/6/kind"_json_pointer), "neuromodulatory");
    EXPECT_EQ(spec.as_written, written);
}

// A reader bound to a declaration takes defaults and ranges from it, and reading a
// key the declaration does not have is a bug in somnus, not a user's error.
TEST(Spec, AReaderReadsWhatItsDeclarationSaysAndNothingElse) {
    const ParameterSet declared{
        "toy", "", {number("rate", 0.25, 0.0, 1.0, "a rate"), choice("mode", "fast", {"fast", "slow"}, "a mode")}};
    SpecResolution resolution;
    const Json given = {{"mode", "slow"}};
    ObjectReader r(given, JsonPointer("/toy"), declared);
    EXPECT_EQ(r.number("rate"), 0.25);
    EXPECT_EQ(r.choice("mode"), "slow");
    EXPECT_THROW(r.integer("steps", 1, 0, 10), std::logic_error);
    EXPECT_THROW(r.boolean("rate", false), std::logic_error);  // declared as a number
    EXPECT_EQ(resolution.document(), Json::parse(R"({"toy": {"rate": 0.25, "mode": "slow"}})"));
    const Json out_of_range = {{"rate", 2.0}};
    ObjectReader bad(out_of_range, JsonPointer("/toy"), declared);
    try {
        bad.number("rate");
        ADD_FAILURE() << "2.0 is outside [0, 1]";
    } catch (const SpecError& e) {
        EXPECT_EQ(std::string(e.what()), "spec error at /toy/rate: value 2 is out of range [0, 1]");
    }
}

// A declared object key: its reader is bound to the object's own keys and, when the
// object is left out, reads their defaults into the resolved spec.
TEST(Spec, AnObjectLeftOutIsReadWithItsDefaults) {
    const ParameterSet inner{"inner", "", {integer("steps", 3, 1, 10, "steps")}};
    const ParameterSet outer{"outer", "", {object("probe", inner, "a probe"), boolean("on", true, "on")}};
    SpecResolution resolution;
    const Json empty = Json::object();
    ObjectReader r(empty, JsonPointer("/outer"), outer);
    ObjectReader probe = r.object("probe");
    EXPECT_EQ(probe.integer("steps"), 3);
    EXPECT_EQ(probe.where().to_string(), "/outer/probe");
    EXPECT_EQ(resolution.document(), Json::parse(R"({"outer": {"probe": {"steps": 3}}})"));
    EXPECT_THROW(r.object("on"), std::logic_error);  // declared as a boolean

    const Json given = {{"probe", {{"steps", 11}}}};
    ObjectReader g(given, JsonPointer("/outer"), outer);
    ObjectReader out_of_range = g.object("probe");
    EXPECT_THROW(out_of_range.integer("steps"), SpecError);
    const Json wrong = {{"probe", 5}};
    ObjectReader w(wrong, JsonPointer("/outer"), outer);
    try {
        w.object("probe");
        ADD_FAILURE() << "5 is not an object";
    } catch (const SpecError& e) {
        EXPECT_EQ(std::string(e.what()), "spec error at /outer/probe: expected an object, got an integer");
    }
}

// Parsing a resolved spec gives it back unchanged: a log's spec, run again, runs
// the same experiment under any later defaults. Every shipped spec.
TEST(Spec, TheResolvedSpecOfEveryShippedSpecResolvesToItself) {
    int checked = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(test::source_path("experiments"))) {
        const auto path = entry.path();
        if (path.extension() != ".json" || path.parent_path().filename() == "sweeps" ||
            path.string().find(".schema.") != std::string::npos)
            continue;
        SCOPED_TRACE(path.string());
        const ExperimentSpec first = parse_spec(load_spec_file(path.string()));
        const ExperimentSpec again = parse_spec(first.source);
        EXPECT_EQ(again.source, first.source) << Json::diff(first.source, again.source).dump();
        ++checked;
    }
    EXPECT_GE(checked, 25);
}

TEST(Spec, MisspelledTopLevelKeySuggestsTheClosest) {
    Json doc = pad_document();
    doc["schedul"] = doc["schedule"];
    doc.erase("schedule");
    SpecError e = spec_error(doc);
    EXPECT_EQ(e.pointer(), "/schedul");
    EXPECT_NE(e.message().find("did you mean \"schedule\""), std::string::npos) << e.what();
}

TEST(Spec, MisspelledNestedKeyNamesItsPointer) {
    Json doc = pad_document();
    doc["states"]["rem"]["lamda"] = 0.3;
    SpecError e = spec_error(doc);
    EXPECT_EQ(e.pointer(), "/states/rem/lamda");
    EXPECT_NE(e.message().find("\"lambda\""), std::string::npos) << e.what();
}

TEST(Spec, WrongTypeIsRejectedAtItsPointer) {
    Json doc = pad_document();
    doc["schedule"]["epochs"] = "two";
    SpecError e = spec_error(doc);
    EXPECT_EQ(e.pointer(), "/schedule/epochs");
    EXPECT_NE(e.message().find("expected an integer, got a string"), std::string::npos) << e.what();
}

TEST(Spec, OutOfRangeLevelIsRejected) {
    Json doc = pad_document();
    doc["modules"]["conductor"]["levels"]["rem"]["ach"] = 1.5;
    SpecError e = spec_error(doc);
    EXPECT_EQ(e.pointer(), "/modules/conductor/levels/rem/ach");
    EXPECT_NE(e.message().find("out of range [0, 1]"), std::string::npos) << e.what();
}

TEST(Spec, UnknownStateInCycleIsRejected) {
    Json doc = pad_document();
    doc["schedule"]["cycle"] = {"wake", "rme"};
    SpecError e = spec_error(doc);
    EXPECT_EQ(e.pointer(), "/schedule/cycle/1");
    EXPECT_NE(e.message().find("did you mean \"rem\""), std::string::npos) << e.what();
}

TEST(Spec, UnknownStateTypeAndModuleTypeSuggestTheClosest) {
    Json doc = pad_document();
    doc["states"]["rem"]["type"] = "remm";
    EXPECT_EQ(spec_error(doc).pointer(), "/states/rem/type");
    doc = pad_document();
    doc["modules"]["hippocampus"]["type"] = "hipocampus";
    SpecError e = spec_error(doc);
    EXPECT_EQ(e.pointer(), "/modules/hippocampus/type");
    EXPECT_NE(e.message().find("did you mean \"hippocampus\""), std::string::npos) << e.what();
}

TEST(Spec, StateWithoutConductorLevelsIsRejected) {
    Json doc = pad_document();
    doc["modules"]["conductor"]["levels"].erase("nrem");
    SpecError e = spec_error(doc);
    EXPECT_EQ(e.pointer(), "/modules/conductor/levels");
    EXPECT_NE(e.message().find("\"nrem\""), std::string::npos) << e.what();
}

TEST(Spec, BadChoiceListsTheAllowedValues) {
    Json doc = pad_document();
    doc["training"]["loss_normalisation"] = "element-mean";
    SpecError e = spec_error(doc);
    EXPECT_EQ(e.pointer(), "/training/loss_normalisation");
    EXPECT_NE(e.message().find("did you mean \"element_mean\""), std::string::npos) << e.what();
}

TEST(Spec, OverridesSetNestedValuesAndParseJson) {
    Json doc = pad_document();
    apply_override(doc, "schedule.epochs=7");
    apply_override(doc, "states.rem.first_step=paper");
    apply_override(doc, "eval.linear_readout.seeds=[4,5]");
    ExperimentSpec spec = parse_spec(doc);
    EXPECT_EQ(spec.schedule.epochs, 7);
    EXPECT_EQ(spec.eval.linear_readout.seeds, (std::vector<std::int64_t>{4, 5}));
    EXPECT_THROW(apply_override(doc, "no-equals-sign"), SpecError);
    apply_override(doc, "schedule.epochs=-1");
    EXPECT_EQ(spec_error(doc).pointer(), "/schedule/epochs");
}

TEST(Spec, OverrideInsideADefaultedSectionKeepsTheOtherDefaults) {
    Json doc = Json::object();
    apply_override(doc, "modules.hippocampus.capacity=5");
    ExperimentSpec spec = parse_spec(doc);
    EXPECT_EQ(spec.modules.size(), 5u);
    EXPECT_EQ(spec.module("hippocampus")->params.get<HippocampusParams>().capacity, 5);
}

TEST(Spec, MalformedJsonNamesFileLineAndColumn) {
    auto dir = test::temp_dir("spec_malformed");
    auto path = dir / "bad.json";
    std::ofstream(path) << "{\n  \"seed\": 1,\n  \"schedule\": {\"epochs\": 2,,}\n}\n";
    try {
        load_spec_file(path.string());
        FAIL() << "no error";
    } catch (const SpecError& e) {
        std::string text = e.what();
        EXPECT_NE(text.find(path.string() + ":3:"), std::string::npos) << text;
        EXPECT_NE(text.find("malformed JSON"), std::string::npos) << text;
    }
}

TEST(Spec, RecordSectionNamesModulesLayersAndStatesThatExist) {
    Json doc = pad_document();
    doc["record"]["activity"] = Json::parse(R"({"layers": {"V1_encoder": ["layer3", "z"]}, "after_states": ["rem"],
                                               "every_iterations": 50, "epochs": [0, -1]})");
    ExperimentSpec spec = parse_spec(doc);
    // The probes in registration order, each at its place; the activity probe's keys as given, resolved.
    ASSERT_EQ(spec.record.probes.size(), 4u);
    EXPECT_EQ(spec.record.probes[0].name, "activity");
    EXPECT_EQ(spec.record.probes[0].pointer, "/record/activity");
    EXPECT_EQ(spec.record.probes[3].name, "hippocampus");
    EXPECT_TRUE(spec.record.probe("hippocampus")->enabled);
    EXPECT_EQ(spec.record.probe("hippocampus")->pointer, "/record/hippocampus");
    EXPECT_EQ(spec.record.probe("spikes"), nullptr);
    EXPECT_TRUE(spec.record.shows_test_images());
    EXPECT_EQ(spec.source["record"]["activity"]["layers"]["V1_encoder"], Json::parse(R"(["layer3", "z"])"));
    EXPECT_EQ(spec.source["record"]["activity"]["probe_images"], 500);
    EXPECT_EQ(spec.source["record"]["hippocampus"], true);
    doc["record"]["activity"]["enabled"] = false;
    doc["record"]["hippocampus"] = false;
    ExperimentSpec off = parse_spec(doc);
    EXPECT_FALSE(off.record.probe("activity")->enabled);
    EXPECT_FALSE(off.record.probe("hippocampus")->enabled);
    EXPECT_FALSE(off.record.shows_test_images());

    SampleTimes t;
    t.every_iterations = 50;
    t.epochs = {0, -1};
    // 2 epochs of 156 iterations: epoch 0 at 0, 50, 100, 150 and its last iteration; epoch 1 too.
    EXPECT_TRUE(t.at(0, 0, 2, 156));
    EXPECT_TRUE(t.at(1, 100, 2, 156));
    EXPECT_TRUE(t.at(1, 155, 2, 156));
    EXPECT_FALSE(t.at(0, 51, 2, 156));
    EXPECT_FALSE(t.at(2, 155, 4, 156));  // with 4 epochs, [0, -1] is epochs 0 and 3

    Json bad = pad_document();
    bad["record"]["activity"] = Json::parse(R"({"layers": {"V1_encoder": ["layer3", "zz"]}})");
    SpecError e = spec_error(bad);
    EXPECT_EQ(e.pointer(), "/record/activity/layers/V1_encoder/1");
    EXPECT_NE(std::string(e.what()).find("did you mean \"z\""), std::string::npos) << e.what();

    bad = pad_document();
    bad["record"]["activity"] = Json::parse(R"({"layers": {"V1_encoderr": "all"}})");
    EXPECT_EQ(spec_error(bad).pointer(), "/record/activity/layers/V1_encoderr");
    bad["record"]["activity"] = Json::parse(R"({"layers": {"hippocampus": "all"}})");
    EXPECT_NE(std::string(spec_error(bad).what()).find("it has no layers to record"), std::string::npos);

    bad = pad_document();
    bad["record"]["dreams"] = Json::parse(R"({"states": ["nrem", "deep_sleep"]})");
    EXPECT_EQ(spec_error(bad).pointer(), "/record/dreams/states/1");
    bad = pad_document();
    bad["record"]["plasticity"] = Json::parse(R"({"vector_epoch": [0]})");
    EXPECT_NE(std::string(spec_error(bad).what()).find("did you mean \"vector_epochs\""), std::string::npos);
    bad = pad_document();
    bad["record"]["activity"] = Json::parse(R"({"epochs": "some"})");
    EXPECT_EQ(spec_error(bad).pointer(), "/record/activity/epochs");
}

TEST(Spec, ExtendsMergesAChildOverItsBaseKeyByKey) {
    auto dir = test::temp_dir("spec_extends");
    test::write_spec(dir / "no_rem.json", Json::parse(R"({"extends": ")" + test::source_path("experiments/pad.json") +
                                                      R"(", "name": "pad-no-rem",
        "schedule": {"cycle": ["wake", "nrem"]}, "states": {"nrem": {"weight": 0.5}}})"));
    std::filesystem::create_directories(dir / "sub");
    test::write_spec(dir / "sub" / "short.json",
                     Json::parse(R"({"extends": "../no_rem.json", "schedule": {"epochs": 1}, "description": null})"));
    ExperimentSpec spec = parse_spec(load_spec_file((dir / "sub" / "short.json").string()));
    EXPECT_EQ(spec.name, "pad-no-rem");  // from the middle spec
    EXPECT_EQ(spec.schedule.cycle, (std::vector<std::string>{"wake", "nrem"}));
    EXPECT_EQ(spec.schedule.epochs, 1);       // from the child
    EXPECT_EQ(spec.schedule.batch_size, 64);  // from pad.json
    EXPECT_EQ(spec.data.train_subset, 10000);
    EXPECT_FALSE(spec.source.contains("extends"));
    EXPECT_FALSE(spec.source.contains("description"));  // null removes a key
    EXPECT_EQ(spec.source["states"]["nrem"]["weight"], 0.5);
    EXPECT_EQ(spec.source["states"]["nrem"]["max_tile"], 8);  // the rest of the object stays

    test::write_spec(dir / "a.json", Json::parse(R"({"extends": "b.json"})"));
    test::write_spec(dir / "b.json", Json::parse(R"({"extends": "a.json"})"));
    try {
        load_spec_file((dir / "a.json").string());
        ADD_FAILURE() << "a cycle of extends must be an error";
    } catch (const SpecError& e) {
        EXPECT_EQ(e.pointer(), "/extends");
        EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos) << e.what();
    }
    test::write_spec(dir / "orphan.json", Json::parse(R"({"extends": "nowhere.json"})"));
    try {
        load_spec_file((dir / "orphan.json").string());
        ADD_FAILURE() << "a missing base must be an error";
    } catch (const SpecError& e) {
        EXPECT_NE(std::string(e.what()).find("nowhere.json, does not exist"), std::string::npos) << e.what();
    }
}

TEST(Spec, EveryShippedExperimentParsesAndWires) {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(test::source_path("experiments"))) {
        if (entry.path().extension() != ".json" || entry.path().string().find(".schema.") != std::string::npos)
            continue;  // the JSON Schemas of specs and sweep files
        SCOPED_TRACE(entry.path().string());
        const Json document = load_spec_file(entry.path().string());
        if (document.contains("sweep")) continue;  // experiments/sweeps/: tests/test_sweep.cpp
        ExperimentSpec spec = parse_spec(document);
        EXPECT_EQ(spec.name + ".json", entry.path().filename().string()) << "a spec's name is its file name";
        EXPECT_NO_THROW(Circuit::build(spec)) << "the circuit is wired as its checks require";
        ++count;
    }
    EXPECT_GE(count, 32u);
    // The variants differ from pad.json in what the paper changes.
    auto variant = [](const char* name) {
        return parse_spec(load_spec_file(test::source_path(std::string("experiments/") + name)));
    };
    EXPECT_EQ(variant("pad_no_rem.json").schedule.cycle, (std::vector<std::string>{"wake", "nrem"}));
    EXPECT_EQ(variant("pad_rem_before_nrem.json").schedule.cycle, (std::vector<std::string>{"wake", "rem", "nrem"}));
    EXPECT_EQ(variant("pad_untrained.json").schedule.epochs, 0);
    // w/o memory mix as the paper has it (Fig. 4b): a single memory without noise; the variant with noise beside it.
    EXPECT_EQ(variant("pad_no_memory_mix.json").source["states"]["rem"]["mix_memories"], false);
    EXPECT_EQ(variant("pad_no_memory_mix.json").source["states"]["rem"]["lambda"], 1.0);
    EXPECT_EQ(variant("pad_no_memory_mix_noise.json").source["states"]["rem"]["mix_memories"], false);
    EXPECT_EQ(variant("pad_no_memory_mix_noise.json").source["states"]["rem"]["lambda"], 0.5);
}

TEST(Spec, EvalEpochsAllExpandsToEveryTrainingEpoch) {
    Json doc = pad_document();
    doc["schedule"]["epochs"] = 3;
    doc["eval"]["epochs"] = "all";
    EXPECT_EQ(parse_spec(doc).eval.epochs, (std::vector<std::int64_t>{0, 1, 2}));
    doc["eval"]["epochs"] = "every";
    EXPECT_EQ(spec_error(doc).pointer(), "/eval/epochs");
    doc["eval"]["epochs"] = Json::array();
    doc["eval"]["latent_geometry"] = {{"inter_pairs", 0}};
    EXPECT_EQ(spec_error(doc).pointer(), "/eval/latent_geometry/inter_pairs");
}

TEST(Spec, DosesParseAndBadDosesSayWhere) {
    ExperimentSpec spec =
        parse_spec(load_spec_file(test::source_path("experiments/pharmacology/rem_cholinergic_antagonist.json")));
    const auto& conductor = spec.module("conductor")->params.get<ConductorParams>();
    ASSERT_EQ(conductor.doses.size(), 1u);
    EXPECT_EQ(conductor.doses[0].name, "scopolamine");
    EXPECT_EQ(conductor.doses[0].states, std::vector<std::string>{"rem"});
    EXPECT_EQ(conductor.doses[0].epochs, (std::vector<std::int64_t>{2, 3}));
    ASSERT_TRUE(conductor.doses[0].ach.has_value());
    EXPECT_EQ(conductor.doses[0].ach->mode, DoseMode::scale);
    EXPECT_DOUBLE_EQ(conductor.doses[0].ach->value, 0.2);
    EXPECT_FALSE(conductor.doses[0].na.has_value());

    auto with_dose = [](const char* dose) {
        Json doc = pad_document();
        doc["modules"]["conductor"]["doses"] = Json::array({Json::parse(dose)});
        return spec_error(doc);
    };
    SpecError e = with_dose(R"({"states": ["rme"], "ach": {"set": 0.1}})");
    EXPECT_EQ(e.pointer(), "/modules/conductor/doses/0/states/0");
    EXPECT_NE(e.message().find("did you mean \"rem\""), std::string::npos) << e.what();
    e = with_dose(R"({"ach": {"set": 0.1, "scale": 2}})");
    EXPECT_EQ(e.pointer(), "/modules/conductor/doses/0/ach");
    EXPECT_NE(e.message().find("exactly one of"), std::string::npos) << e.what();
    e = with_dose(R"({"epochs": [5], "na": {"set": 0.1}})");
    EXPECT_EQ(e.pointer(), "/modules/conductor/doses/0/epochs/0");
    EXPECT_NE(e.message().find("outside the schedule's 2 epochs"), std::string::npos) << e.what();
    e = with_dose(R"({"na": {"ramp": [0.5]}})");
    EXPECT_EQ(e.pointer(), "/modules/conductor/doses/0/na/ramp");
    e = with_dose(R"({"name": "nothing"})");
    EXPECT_EQ(e.pointer(), "/modules/conductor/doses/0");
    e = with_dose(R"({"ach": {"set": 1.5}})");
    EXPECT_EQ(e.pointer(), "/modules/conductor/doses/0/ach/set");
    e = with_dose(R"({"ach": {"set": 0.5}, "nights": [1]})");
    EXPECT_EQ(e.pointer(), "/modules/conductor/doses/0/nights");
}

namespace {
// The message of the SpecError parse_spec_text throws for `text` ("" if none).
std::string text_error(const std::string& text, const JsonSource& source, std::string* pointer = nullptr) {
    try {
        parse_spec_text(text, source);
    } catch (const SpecError& e) {
        if (pointer) *pointer = e.pointer();
        return e.message();
    }
    return "";
}
}  // namespace

TEST(Spec, AKeyGivenTwiceIsNamedWithBothPlacesWhereverItIs) {
    const JsonSource file{"s.json"};
    std::string pointer;
    // In a nested object inside an array, after a comment, spelled once with an escape.
    const std::string text = "{\n // a comment with \"seed\": 1\n \"a\": [0, {\"b\\u0063\": 1,\n  \"bc\": 2}]\n}";
    EXPECT_EQ(text_error(text, file, &pointer),
              "the key \"bc\" is given twice, at s.json:3:12 and at s.json:4:3 (only the last would count); give it once");
    EXPECT_EQ(pointer, "/a/1/bc");
    // The same key in two objects, in strings and in comments, is no repetition.
    EXPECT_EQ(text_error("{\"a\": {\"k\": 1}, \"b\": {\"k\": \"\\\"k\\\": 2\"} /* \"a\": 3 */}", file), "");
    // A --set value is placed by column, its pointer under the key set.
    const JsonSource set{"--set data={...}", false, JsonPointer("/data"), "--set data={...}: "};
    EXPECT_EQ(text_error("{\"x\": 1, \"x\": 2}", set, &pointer),
              "the key \"x\" is given twice, at columns 2 and 10 of --set data={...} (only the last would count); give "
              "it once");
    EXPECT_EQ(pointer, "/data/x");
}

TEST(Spec, ANumberBeyondADoubleIsASpecErrorAtItsPointer) {
    std::string pointer;
    EXPECT_EQ(text_error("{\"a\": [1, 2, -1e999]}", JsonSource{"s.json"}, &pointer),
              "the number -1e999 (s.json:1:14) is too large (a number's magnitude is at most 1.8e308)");
    EXPECT_EQ(pointer, "/a/2");
    // Large but finite numbers, and integers past 64 bits (read as doubles), are numbers.
    EXPECT_EQ(text_error("[1.7e308, 123456789012345678901234567890, 1e-400]", JsonSource{"s.json"}), "");
    // Malformed text is left to the parser, whose error the caller places by line and column.
    EXPECT_THROW(parse_spec_text("{\"a\": 1,}", JsonSource{"s.json"}), Json::parse_error);
}

TEST(Spec, SetReadsItsValueAsASpecFileIsRead) {
    Json document = pad_document();
    try {
        apply_override(document, "schedule.epochs=1e400");
        FAIL() << "1e400 accepted";
    } catch (const SpecError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "spec error at /schedule/epochs: --set schedule.epochs=1e400: the number 1e400 is too large (a "
                  "number's magnitude is at most 1.8e308)");
    }
    apply_override(document, "name=1e400x");  // not JSON: a bare word is a string, as before
    EXPECT_EQ(document["name"], "1e400x");
}
