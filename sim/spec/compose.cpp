// Composing a spec document: reading the file (errors at line and column),
// "extends" (a base spec merged under it, JSON merge patch) and --set overrides.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/spec/spec.hpp"

namespace somnus {

namespace {

// What a path that exists but is no regular file is, for errors ("" for a regular file).
std::string not_a_file(const std::string& path) {
    const auto status = std::filesystem::status(path);
    if (std::filesystem::is_regular_file(status)) return "";
    if (std::filesystem::is_directory(status)) return "is a folder, not a spec file";
    return "is not a regular file (a device, a pipe or a socket), not a spec file";
}

Json read_json_file(const std::string& path) {
    // Reading a device (/dev/zero) or a pipe would never end, and a folder reads as nothing.
    if (std::filesystem::exists(path))
        if (const std::string what = not_a_file(path); !what.empty()) throw SpecError("", path + " " + what);
    std::ifstream in(path);
    if (!in) throw SpecError("", "cannot open spec file " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    try {
        return parse_spec_text(text, JsonSource{path});
    } catch (const Json::parse_error& e) {
        // Turn the byte offset into a line and column.
        std::size_t offset = std::min<std::size_t>(e.byte, text.size());
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i + 1 < offset; ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        std::string what = e.what();
        auto cut = what.find("parse error");
        throw SpecError("", path + ":" + std::to_string(line) + ":" + std::to_string(column) + " (byte " +
                                std::to_string(e.byte) +
                                "): malformed JSON: " + (cut == std::string::npos ? what : what.substr(cut)));
    }
}

Json load_composed(const std::string& path, std::vector<std::string>& chain) {
    const std::string canonical = std::filesystem::weakly_canonical(path).string();
    if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
        std::string cycle;
        for (const auto& c : chain) cycle += c + " -> ";
        throw SpecError("/extends", "specs extend each other in a cycle: " + cycle + canonical);
    }
    chain.push_back(canonical);
    Json document = read_json_file(path);
    if (!document.is_object() || !document.contains("extends")) return document;
    const Json& base_name = document["extends"];
    if (!base_name.is_string())
        throw SpecError("/extends", path + ": expected the path of a spec to extend, got " + json_type_name(base_name));
    std::filesystem::path base_path = base_name.get<std::string>();
    if (base_path.is_relative()) base_path = std::filesystem::path(path).parent_path() / base_path;
    if (!std::filesystem::exists(base_path))
        throw SpecError("/extends", path + ": the spec it extends, " + base_path.string() + ", does not exist");
    if (const std::string what = not_a_file(base_path.string()); !what.empty())
        throw SpecError("/extends", path + ": the spec it extends, " + base_path.string() + ", " + what);
    Json composed = load_composed(base_path.string(), chain);
    document.erase("extends");
    composed.merge_patch(document);  // RFC 7386: objects merge key by key, other values replace, null deletes
    return composed;
}

}  // namespace

std::string first_difference(const Json& before, const Json& now, const std::string& before_is,
                             const std::string& now_is, const std::string& prefix) {
    const Json patch = Json::diff(before, now);
    if (patch.empty()) return "";
    const std::string path = patch[0].value("path", std::string(""));
    const JsonPointer pointer(path);
    auto shown = [&](const Json& doc) { return doc.contains(pointer) ? doc.at(pointer).dump() : std::string("(absent)"); };
    const std::string where = prefix + path;
    return "at " + (where.empty() ? std::string("/") : where) + ": " + shown(before) + " " + before_is + ", " +
           shown(now) + " " + now_is;
}

Json load_spec_file(const std::string& path, std::vector<std::string>* files) {
    std::vector<std::string> chain;
    Json document = load_composed(path, chain);
    if (files) *files = chain;
    return document;
}

void apply_override(Json& document, const std::string& assignment) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw SpecError("", "--set expects key.path=value, got \"" + assignment + "\"");
    std::string path = assignment.substr(0, eq);
    std::string text = assignment.substr(eq + 1);
    JsonPointer pointer;
    std::stringstream parts(path);
    std::string part;
    while (std::getline(parts, part, '.')) {
        if (part.empty()) throw SpecError("", "--set: empty component in \"" + path + "\"");
        pointer /= part;
    }
    // Overriding inside a section the spec leaves to its defaults starts from those defaults.
    const std::string section = path.substr(0, path.find('.'));
    if (!document.contains(section)) {
        if (section == "modules") document[section] = default_modules();
        if (section == "pathways") document[section] = default_pathways();
        if (section == "states") document[section] = default_states();
    }
    Json value;
    try {  // read as a spec file's values are: a number beyond range or a key given twice is an error at its place
        value = parse_spec_text(text, JsonSource{"--set " + assignment, false, pointer, "--set " + assignment + ": "});
    } catch (const Json::parse_error&) {
        value = text;  // a bare word is a string
    }
    // Create intermediate objects, but do not silently turn a value into an object.
    JsonPointer parent = pointer.parent_pointer();
    if (!parent.empty() && document.contains(parent) && !document.at(parent).is_object() &&
        !document.at(parent).is_array())
        throw SpecError(parent.to_string(), "--set " + path + ": the parent is not an object");
    try {
        document[pointer] = value;
    } catch (const Json::exception&) {  // e.g. a word where an array wants an index
        throw SpecError(
            parent.to_string(),
            "--set " + path + ": no such place in the spec (arrays are indexed by number, e.g. pathways.0.from)");
    }
}

}  // namespace somnus
