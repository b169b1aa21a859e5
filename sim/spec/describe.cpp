#include "sim/spec/describe.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "sim/spec/catalog.hpp"
#include "sim/spec/sections.hpp"

namespace somnus {

std::vector<DescribedType> described_types() {
    std::vector<DescribedType> out;
    for (const ParameterSet* s : {&spec_parameters(), &data_parameters(), &schedule_parameters(),
                                  &training_parameters(), &record_parameters(), &eval_parameters()})
        out.push_back({"section", s->name, s->summary, s});
    for (const ModuleType* t : module_types())
        out.push_back({"module type", t->name, t->summary, t->parameters, t->family});
    for (const auto& t : dream_module_types()) out.push_back({"dream module", t.name, t.summary, t.parameters});
    for (const auto& t : state_types()) out.push_back({"brain state", t.name, t.summary, t.parameters, t.areas});
    return out;
}

DescribedType find_described(const std::string& name) {
    std::vector<std::string> names;
    for (const auto& d : described_types()) {
        if (d.name == name) return d;
        names.push_back(d.name);
    }
    throw UsageError("somnus describe: " + unknown_name("section or type", name, names));
}

namespace {

// One key as the tables show it; nested objects become dotted keys.
struct Row {
    std::string key, type, fallback, unit, meaning;
};

void flatten(const ParameterSet& set, const std::string& prefix, std::vector<Row>& rows) {
    for (const auto& p : set.parameters) {
        const std::string key = prefix + p.name;
        rows.push_back({key, p.type_text(), p.default_text(), p.unit, p.meaning});
        if (!p.fields) continue;
        const char* step = p.type == ValueType::objects ? "[]." : p.type == ValueType::table ? "{name}." : ".";
        flatten(*p.fields, key + step, rows);
    }
}

std::vector<Row> rows_of(const DescribedType& type) {
    std::vector<Row> rows;
    if (type.kind == "brain state")
        rows.push_back({"type", "string", "the state's name", "", "its brain-state type"});
    else if (type.kind != "section")
        rows.push_back({"type", "\"" + type.name + "\"", "(required)", "", "its module type"});
    flatten(*type.parameters, "", rows);
    return rows;
}

std::string padded(const std::string& text, std::size_t width) {
    return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
}

std::string heading_of(const DescribedType& type) {
    return type.name + " (" + type.kind + (type.areas.empty() ? "" : ", " + type.areas + " areas") + ")" +
           (type.summary.empty() ? "" : ": " + type.summary);
}

std::string markdown_cell(std::string text) {
    for (std::size_t at = 0; (at = text.find('|', at)) != std::string::npos; at += 2) text.replace(at, 1, "\\|");
    return text;
}

std::string markdown_table(const std::vector<Row>& rows) {
    std::ostringstream out;
    out << "| key | type | default | unit | meaning |\n|---|---|---|---|---|\n";
    for (const auto& r : rows)
        out << "| `" << r.key << "` | " << markdown_cell(r.type) << " | " << markdown_cell(r.fallback) << " | "
            << r.unit << " | " << markdown_cell(r.meaning) << " |\n";
    return out.str();
}

}  // namespace

std::string overview_text() {
    std::ostringstream out;
    out << "What a spec can say; `somnus describe NAME` lists NAME's keys with their types, defaults, units and "
           "meaning.\n";
    const std::vector<std::pair<std::string, std::string>> kinds = {
        {"section", "sections (the spec's top level and its objects)"},
        {"module type", "module types (the \"type\" of an entry of \"modules\")"},
        {"dream module", "dream modules (module types from the dream literature)"},
        {"brain state", "brain states (the \"type\" of an entry of \"states\")"}};
    const auto all = described_types();
    std::size_t width = 0;
    for (const auto& d : all) width = std::max(width, d.name.size());
    for (const auto& [kind, title] : kinds) {
        out << "\n" << title << ":\n";
        for (const auto& d : all)
            if (d.kind == kind) out << "  " << padded(d.name, width + 2) << d.summary << "\n";
    }
    out << "\narea families (a circuit's areas are of one family; PAD's states and discriminator neurons work on "
           "any family's areas, the others on their family's):\n";
    for (const auto& family : area_families()) {
        std::vector<std::string> types;
        for (const auto& t : family.module_types) types.push_back(t.name);
        out << "  " << padded(family.name, width + 2) << family.summary << " (" << join(types) << ")\n";
    }
    return out.str();
}

std::string describe_text(const DescribedType& type) {
    const auto rows = rows_of(type);
    std::ostringstream out;
    out << heading_of(type) << "\n";
    if (rows.empty()) {
        out << "\n  (no keys of its own)\n";
        return out.str();
    }
    std::size_t w[4] = {3, 4, 7, 4};  // key, type, default, unit
    for (const auto& r : rows) {
        w[0] = std::max(w[0], r.key.size());
        w[1] = std::max(w[1], r.type.size());
        w[2] = std::max(w[2], r.fallback.size());
        w[3] = std::max(w[3], r.unit.size());
    }
    out << "\n  " << padded("key", w[0] + 2) << padded("type", w[1] + 2) << padded("default", w[2] + 2)
        << padded("unit", w[3] + 2) << "meaning\n";
    for (const auto& r : rows)
        out << "  " << padded(r.key, w[0] + 2) << padded(r.type, w[1] + 2) << padded(r.fallback, w[2] + 2)
            << padded(r.unit, w[3] + 2) << r.meaning << "\n";
    return out.str();
}

std::string parameter_set_markdown(const ParameterSet& set) {
    std::vector<Row> rows;
    flatten(set, "", rows);
    return markdown_table(rows);
}

std::string parameters_markdown() {
    std::ostringstream out;
    out << "# Every parameter\n\n"
           "Every key a spec can hold, with its type, default, unit and meaning. This page is generated from the "
           "declarations in the code (`somnus describe --markdown > docs/parameters.md`), and a test keeps it "
           "current; `somnus describe NAME` prints one table in the terminal. Nested objects appear as dotted "
           "keys: `a.b` is key `b` of object `a`, `a[].b` key `b` of each item of list `a`, `a{name}.b` key `b` of "
           "each named entry of `a`. The same declarations make the JSON Schema ([editors.md](editors.md)).\n";
    const std::vector<std::pair<std::string, std::string>> kinds = {{"section", "Sections"},
                                                                    {"module type", "Module types"},
                                                                    {"dream module", "Dream modules"},
                                                                    {"brain state", "Brain states"}};
    const auto all = described_types();
    for (const auto& [kind, title] : kinds) {
        out << "\n## " << title << "\n";
        for (const auto& d : all) {
            if (d.kind != kind) continue;
            out << "\n### `" << d.name << "`\n\n" << (d.summary.empty() ? "" : d.summary + "\n\n");
            if (!d.areas.empty())
                out << (kind == "brain state" ? "Works on areas of the family `" : "Of the area family `") << d.areas
                    << "`.\n\n";
            else if (kind == "brain state")
                out << "Works on the areas of any family.\n\n";
            const auto rows = rows_of(d);
            if (rows.empty()) {
                out << "No keys of its own.\n";
                continue;
            }
            out << markdown_table(rows);
        }
    }
    out << "\n## Area families\n\nA circuit's cortical areas are all of one family. PAD's brain states (`wake`, "
           "`nrem`, `rem`), synaptic homeostasis and PAD's discriminator neurons work on the areas of any family, "
           "through the areas' common interface; the states of adversarial wake-sleep, the Helmholtz machine and "
           "negative-phase sleep need the layers' densities of the `stochastic` family.\n\n"
           "| family | what it is | module types |\n|---|---|---|\n";
    for (const auto& family : area_families()) {
        std::string types;
        for (const auto& t : family.module_types) types += (types.empty() ? "`" : ", `") + t.name + "`";
        out << "| `" << family.name << "` | " << markdown_cell(family.summary) << " | " << types << " |\n";
    }
    return out.str();
}

// ---- the JSON Schema -------------------------------------------------------------
namespace {

class SchemaWriter {
public:
    Json document() {
        Json root = object_schema(spec_parameters());
        // A spec that "extends" another is a merge patch on it: its modules and states may
        // leave out the "type" the base gives them, and null removes one.
        Json strict = Json::object(), patch = Json::object();
        for (const auto& p : spec_parameters().parameters) {
            if (p.type != ValueType::typed_table) continue;
            strict[p.name] = typed_table(p.of_kind, /*patch=*/false);
            patch[p.name] = typed_table(p.of_kind, /*patch=*/true);
            root["properties"][p.name] = {{"description", p.meaning}};
        }
        root["allOf"] = Json::array({{{"if", {{"required", {"extends"}}}},
                                      {"then", {{"properties", patch}}},
                                      {"else", {{"properties", strict}}}}});
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$id"] = "https://somnus.invalid/somnus.schema.json";
        root["title"] = "somnus experiment spec";
        root["description"] =
            "An experiment spec of somnus (docs/spec.md); generated by `somnus schema` from the declarations "
            "of every key (docs/parameters.md).";
        root["$defs"] = defs_;
        return root;
    }

    // Any declared object as a document of its own (a sweep file: sim/batch/sweep.cpp).
    Json document(const ParameterSet& set, const std::string& id, const std::string& title,
                  const std::string& description) {
        Json root = object_schema(set);
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$id"] = id;
        root["title"] = title;
        root["description"] = description;
        if (!defs_.empty()) root["$defs"] = defs_;
        return root;
    }

private:
    // The name of a set's definition, unique per set.
    std::string def_name(const ParameterSet& set) {
        if (auto it = names_.find(&set); it != names_.end()) return it->second;
        std::string name = set.name;
        std::replace(name.begin(), name.end(), ' ', '_');
        while (taken_.count(name)) name += "_";
        taken_.insert(name);
        names_[&set] = name;
        defs_[name] = nullptr;  // reserved while it is written (sets do not nest in themselves)
        defs_[name] = object_schema(set);
        return name;
    }

    Json ref(const ParameterSet& set) { return {{"$ref", "#/$defs/" + def_name(set)}}; }

    static Json bounded(const char* type, const Parameter& p) {
        Json s = {{"type", type}};
        const bool integral = std::string(type) == "integer";
        auto bound = [&](const char* key, double x) {
            if (std::isinf(x) || std::abs(x) >= 9.2e18) return;
            if (integral)
                s[key] = static_cast<std::int64_t>(x);
            else
                s[key] = x;
        };
        bound("minimum", p.lo);
        bound("maximum", p.hi);
        return s;
    }

    Json value_schema(const Parameter& p) {
        switch (p.type) {
            case ValueType::number: return bounded("number", p);
            case ValueType::integer: return bounded("integer", p);
            case ValueType::boolean: return {{"type", "boolean"}};
            case ValueType::string: return {{"type", "string"}};
            case ValueType::choice: return {{"enum", p.choices}};
            case ValueType::numbers: return {{"type", "array"}, {"items", bounded("number", p)}};
            case ValueType::integers: {
                Json list = {{"type", "array"}, {"items", bounded("integer", p)}};
                if (!p.or_all) return list;
                return {{"anyOf", Json::array({{{"const", "all"}}, list})}};
            }
            case ValueType::strings: return {{"type", "array"}, {"items", {{"type", "string"}}}};
            case ValueType::object: return ref(*p.fields);
            case ValueType::objects: return {{"type", "array"}, {"items", ref(*p.fields)}};
            case ValueType::table: return {{"type", "object"}, {"additionalProperties", ref(*p.fields)}};
            case ValueType::typed_table: return typed_table(p.of_kind, false);
            case ValueType::shaped: return p.schema;
        }
        return Json::object();
    }

    Json object_schema(const ParameterSet& set) {
        Json properties = Json::object();
        Json required = Json::array();
        for (const auto& p : set.parameters) {
            Json s = value_schema(p);
            std::string text = p.meaning;
            if (!p.unit.empty()) text += " [" + p.unit + "]";
            if (!p.note.empty()) text += " (default: " + p.note + ")";
            if (s.contains("$ref")) s = {{"allOf", Json::array({s})}};  // a description beside a $ref
            s["description"] = text;
            if (!p.fallback.is_null() && p.note.empty() && !p.required) s["default"] = p.fallback;
            properties[p.name] = s;
            if (p.required) required.push_back(p.name);
        }
        Json schema = {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
        if (!required.empty()) schema["required"] = required;
        for (const auto& [key, value] : set.schema_rules.items()) schema[key] = value;
        return schema;
    }

    // One typed entry: its "type" picks the declaration of its other keys.
    Json typed_entry(const DescribedType& type, bool type_required) {
        Json s = object_schema(*type.parameters);
        s["properties"]["type"] = {{"const", type.name}, {"description", type.summary}};
        if (type_required) s["required"].push_back("type");
        return s;
    }

    // The "modules" or "states" of a spec: named entries whose "type" picks the
    // declaration of their keys. In a patch (a spec that extends another) an entry
    // may leave its type to the base (its keys must then be some type's) or be null.
    Json typed_table(const std::string& kind, bool patch) {
        const bool states = kind == "brain state";
        const std::string entry = states ? "state" : "module";
        if (!defs_.contains(entry)) {
            Json names = Json::array(), dispatch = Json::array(), patch_dispatch = Json::array();
            Json any_type = Json::array();
            for (const auto& t : described_types()) {
                if (states ? t.kind != "brain state" : (t.kind != "module type" && t.kind != "dream module")) continue;
                const std::string name = entry + "." + t.name;
                names.push_back(t.name);
                defs_[name] = typed_entry(t, /*type_required=*/!states);
                Json patched = typed_entry(t, /*type_required=*/false);  // each key may be null: removed
                for (auto& [key, property] : patched["properties"].items())
                    if (key != "type") property = {{"anyOf", Json::array({{{"type", "null"}}, property})}};
                patched.erase("required");
                patched["additionalProperties"] = {{"type", "null"}};  // a key of the base's type, removed
                defs_[name + ".patch"] = patched;
                const Json is_type = {{"properties", {{"type", {{"const", t.name}}}}}, {"required", {"type"}}};
                dispatch.push_back({{"if", is_type}, {"then", {{"$ref", "#/$defs/" + name}}}});
                patch_dispatch.push_back({{"if", is_type}, {"then", {{"$ref", "#/$defs/" + name + ".patch"}}}});
                any_type.push_back({{"$ref", "#/$defs/" + name + ".patch"}});
            }
            defs_[entry] = {{"type", "object"},
                            {"required", {"type"}},
                            {"properties", {{"type", {{"enum", names}}}}},
                            {"allOf", dispatch}};
            defs_[entry + ".patch"] = {
                {"anyOf", Json::array({{{"type", "null"}},
                                       {{"type", "object"},
                                        {"required", {"type"}},
                                        {"properties", {{"type", {{"enum", names}}}}},
                                        {"allOf", patch_dispatch}},
                                       {{"type", "object"}, {"not", {{"required", {"type"}}}}, {"anyOf", any_type}}})}};
            if (states) {  // a state named after its type may leave "type" out
                Json named = Json::object();
                for (const auto& name : names)
                    named[name.get<std::string>()] = {{"if", {{"required", {"type"}}}},
                                                      {"then", {{"$ref", "#/$defs/state"}}},
                                                      {"else", {{"$ref", "#/$defs/state." + name.get<std::string>()}}}};
                named_states_ = named;
            }
        }
        if (patch) return {{"type", "object"}, {"additionalProperties", {{"$ref", "#/$defs/" + entry + ".patch"}}}};
        Json table = {{"type", "object"}, {"additionalProperties", {{"$ref", "#/$defs/" + entry}}}};
        if (states) table["properties"] = named_states_;
        return table;
    }

    Json named_states_;  // "states": the entries named after a state type
    std::map<const ParameterSet*, std::string> names_;
    std::set<std::string> taken_;
    Json defs_ = Json::object();
};

}  // namespace

Json spec_schema() { return SchemaWriter().document(); }

Json object_schema_document(const ParameterSet& set, const std::string& id, const std::string& title,
                            const std::string& description) {
    return SchemaWriter().document(set, id, title, description);
}

}  // namespace somnus
