#include <gtest/gtest.h>

#include "sim/circuit/circuit.hpp"
#include "tests/helpers.hpp"

using namespace somnus;

namespace {

Json pad_document() { return load_spec_file(test::source_path("experiments/pad.json")); }

std::string error_pointer(const Json& doc, std::string* message = nullptr) {
    try {
        parse_spec(doc);
    } catch (const SpecError& e) {
        if (message) *message = e.message();
        return e.pointer();
    }
    return "(no error)";
}

}  // namespace

TEST(Circuit, RolesAreFoundThroughThePathways) {
    ExperimentSpec spec = parse_spec(pad_document());
    Circuit c = Circuit::build(spec);
    const Roles& r = c.roles();
    EXPECT_EQ(c.name(r.encoder), "V1_encoder");
    EXPECT_EQ(c.name(r.generator), "V1_generator");
    ASSERT_TRUE(r.hippocampus.has_value());
    EXPECT_EQ(c.name(*r.hippocampus), "hippocampus");
    EXPECT_EQ(c.name(r.conductor), "conductor");
    ASSERT_TRUE(r.discriminator.has_value());
    EXPECT_EQ(c.name(*r.discriminator), "discriminator");
    EXPECT_TRUE(c.connected(*r.hippocampus, r.generator, PathwayKind::replay));
    EXPECT_EQ(c.sources(r.generator, PathwayKind::neuromodulatory).size(), 1u);
    EXPECT_EQ(boost::num_edges(c.graph()), 7u);
}

TEST(Circuit, RenamedModulesAreFoundByTheirWiring) {
    Json doc = pad_document();
    doc["modules"]["IT_cortex"] = doc["modules"]["V1_encoder"];
    doc["modules"].erase("V1_encoder");
    for (auto& p : doc["pathways"]) {
        if (p["from"] == "V1_encoder") p["from"] = "IT_cortex";
        if (p["to"] == "V1_encoder") p["to"] = "IT_cortex";
    }
    ExperimentSpec spec = parse_spec(doc);
    Circuit c = Circuit::build(spec);
    EXPECT_EQ(c.name(c.roles().encoder), "IT_cortex");
}

TEST(Circuit, DanglingPathwayIsASpecError) {
    Json doc = pad_document();
    doc["pathways"].push_back({{"from", "hippocampus"}, {"to", "V1_generatr"}, {"kind", "replay"}});
    std::string message;
    EXPECT_EQ(error_pointer(doc, &message), "/pathways/7/to");
    EXPECT_NE(message.find("dangling"), std::string::npos) << message;
    EXPECT_NE(message.find("did you mean \"V1_generator\""), std::string::npos) << message;
}

TEST(Circuit, DuplicatePathwayIsASpecError) {
    Json doc = pad_document();
    doc["pathways"].push_back(doc["pathways"][2]);
    std::string message;
    EXPECT_EQ(error_pointer(doc, &message), "/pathways/7");
    EXPECT_NE(message.find("duplicate replay pathway"), std::string::npos) << message;
}

TEST(Circuit, PathwayBetweenWrongKindsIsATypeMismatch) {
    Json doc = pad_document();
    doc["pathways"][2] = {{"from", "V1_encoder"}, {"to", "V1_generator"}, {"kind", "replay"}};
    std::string message;
    EXPECT_EQ(error_pointer(doc, &message), "/pathways/2");
    EXPECT_NE(message.find("cannot join encoder"), std::string::npos) << message;
}

TEST(Circuit, MissingRolesAndPathwaysAreSpecErrors) {
    Json doc = pad_document();
    doc["modules"].erase("hippocampus");
    std::string message;
    error_pointer(doc, &message);  // pathways now dangle first
    EXPECT_NE(message.find("hippocampus"), std::string::npos) << message;

    doc = pad_document();
    doc["pathways"].erase(3);  // generator -> encoder feedback
    EXPECT_EQ(error_pointer(doc, &message), "/pathways");
    EXPECT_NE(message.find("missing feedback pathway V1_generator -> V1_encoder"), std::string::npos) << message;

    doc = pad_document();
    doc["pathways"].erase(5);  // conductor -> generator
    error_pointer(doc, &message);
    EXPECT_NE(message.find("missing neuromodulatory pathway conductor -> V1_generator"), std::string::npos) << message;

    // REM needs discriminator neurons.
    doc = pad_document();
    doc["modules"].erase("discriminator");
    doc["pathways"].erase(6);
    doc["pathways"].erase(1);
    EXPECT_EQ(error_pointer(doc, &message), "/modules");
    EXPECT_NE(message.find("missing role: the circuit has no discriminator"), std::string::npos) << message;
    // ... but a Wake/NREM-only cycle does not.
    doc["schedule"]["cycle"] = {"wake", "nrem"};
    EXPECT_EQ(error_pointer(doc), "(no error)");
}

TEST(Circuit, LatentSizesMustAgree) {
    Json doc = pad_document();
    doc["modules"]["V1_generator"]["latent_dim"] = 128;
    std::string message;
    EXPECT_EQ(error_pointer(doc, &message), "/modules/V1_generator/latent_dim");
    EXPECT_NE(message.find("type mismatch"), std::string::npos) << message;
}

TEST(Circuit, DotListsModulesAndPathways) {
    std::string dot = Circuit::build(parse_spec(pad_document())).to_dot("pad");
    EXPECT_EQ(dot.rfind("digraph \"pad\" {", 0), 0u);
    EXPECT_NE(dot.find("\"hippocampus\" -> \"V1_generator\" [label=\"replay\""), std::string::npos) << dot;
    EXPECT_NE(dot.find("\"conductor\" [shape=hexagon"), std::string::npos) << dot;
    // The discriminator neurons' pathway says which encoder layer they read.
    EXPECT_NE(dot.find("\"V1_encoder\" -> \"discriminator\" [label=\"feedforward\\nlayer3\""), std::string::npos) << dot;
}
