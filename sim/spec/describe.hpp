// What a spec can say, from the declarations (sim/spec/parameters.hpp): every
// section, module type, brain state and dream module with its keys. The text of
// `somnus describe`, the tables of docs/parameters.md and the JSON Schema of
// `somnus schema` (experiments/somnus.schema.json) are all made here.
#pragma once

#include <string>
#include <vector>

#include "sim/spec/parameters.hpp"

namespace somnus {

struct DescribedType {
    std::string kind;  // "section", "module type", "dream module" or "brain state"
    std::string name;  // "schedule", "pad_encoder", "amygdala", "rem"
    std::string summary;
    const ParameterSet* parameters;
    std::string areas = "";  // the area family a module type belongs to or a brain state works on; "" = any
};

// Every section, module type, dream module and brain state, in that order.
std::vector<DescribedType> described_types();
// The one named `name`; throws UsageError naming the nearest known name.
DescribedType find_described(const std::string& name);

// `somnus describe`: every type by kind, a line each.
std::string overview_text();
// `somnus describe NAME`: its keys with type, default, unit and meaning; nested objects as dotted keys.
std::string describe_text(const DescribedType& type);
// docs/parameters.md: every type's keys as Markdown tables.
std::string parameters_markdown();
// One declared object's keys as a Markdown table (nested objects as dotted keys): a sweep file's.
std::string parameter_set_markdown(const ParameterSet& set);
// The JSON Schema (draft 2020-12) of a spec file.
Json spec_schema();
// The JSON Schema of a document whose keys `set` declares (a sweep file), with its $id,
// title and description.
Json object_schema_document(const ParameterSet& set, const std::string& id, const std::string& title,
                            const std::string& description);

}  // namespace somnus
