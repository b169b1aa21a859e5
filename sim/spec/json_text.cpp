// Reading JSON text as a spec's reader reads it, whether the text is a spec file,
// a file it extends, a sweep file or a --set value: what nlohmann's parser takes
// without a word but that cannot mean what it says is refused here.
//   - a key given twice in one object: JSON (RFC 8259 §4) leaves it undefined,
//     nlohmann keeps the last; the error names the key and both places;
//   - a number beyond a double's range (1e400): nlohmann's own error names no
//     place; here it is a spec error at the number's JSON pointer.
// The scan runs over text the parser has accepted (or refused only for such a
// number), so it needs to know only JSON's grammar, with comments.
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "sim/spec/spec.hpp"

namespace somnus {

namespace {

struct Unscannable {};  // text the scan does not follow: the parser's own verdict stands

class Scan {
public:
    Scan(const std::string& text, const JsonSource& source) : t_(text), source_(source) {}

    void document() {
        value(source_.root);
        skip();
    }

private:
    char peek() const { return i_ < t_.size() ? t_[i_] : '\0'; }
    void expect(char c) {
        if (peek() != c) throw Unscannable{};
        ++i_;
    }

    void skip() {
        while (i_ < t_.size()) {
            const char c = t_[i_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++i_;
            } else if (c == '/' && i_ + 1 < t_.size() && t_[i_ + 1] == '/') {
                while (i_ < t_.size() && t_[i_] != '\n') ++i_;
            } else if (c == '/' && i_ + 1 < t_.size() && t_[i_ + 1] == '*') {
                const auto end = t_.find("*/", i_ + 2);
                if (end == std::string::npos) throw Unscannable{};
                i_ = end + 2;
            } else {
                return;
            }
        }
    }

    // Where byte `offset` is: "file:line:column", or for a one-line text "column N".
    std::string place(std::size_t offset) const {
        if (!source_.lines) return "column " + std::to_string(offset + 1);
        std::size_t line = 1, column = 1;
        for (std::size_t k = 0; k < offset && k < t_.size(); ++k) {
            if (t_[k] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        return source_.name + ":" + std::to_string(line) + ":" + std::to_string(column);
    }

    // "at FILE:1:2 and at FILE:3:4", or "at columns 2 and 9 of --set ...".
    std::string places(std::size_t first, std::size_t second) const {
        if (source_.lines) return "at " + place(first) + " and at " + place(second);
        return "at columns " + std::to_string(first + 1) + " and " + std::to_string(second + 1) + " of " + source_.name;
    }

    std::string string_token() {
        const std::size_t start = i_;
        expect('"');
        while (i_ < t_.size() && t_[i_] != '"') i_ += t_[i_] == '\\' ? 2 : 1;
        expect('"');
        return Json::parse(t_.substr(start, i_ - start)).get<std::string>();  // escapes decoded as the parser does
    }

    void value(const JsonPointer& at) {
        skip();
        const char c = peek();
        if (c == '{') {
            ++i_;
            std::map<std::string, std::size_t> seen;  // key -> its offset
            skip();
            if (peek() == '}') {
                ++i_;
                return;
            }
            for (;;) {
                skip();
                const std::size_t key_at = i_;
                const std::string key = string_token();
                if (auto it = seen.find(key); it != seen.end())
                    throw SpecError((at / key).to_string(), "the key \"" + key + "\" is given twice, " +
                                                                places(it->second, key_at) +
                                                                " (only the last would count); give it once");
                seen.emplace(key, key_at);
                skip();
                expect(':');
                value(at / key);
                skip();
                if (peek() == ',') {
                    ++i_;
                    continue;
                }
                expect('}');
                return;
            }
        }
        if (c == '[') {
            ++i_;
            skip();
            if (peek() == ']') {
                ++i_;
                return;
            }
            for (std::size_t k = 0;; ++k) {
                value(at / std::to_string(k));
                skip();
                if (peek() == ',') {
                    ++i_;
                    continue;
                }
                expect(']');
                return;
            }
        }
        if (c == '"') {
            string_token();
            return;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            const std::size_t start = i_;
            while (i_ < t_.size() && std::string("+-.eE0123456789").find(t_[i_]) != std::string::npos) ++i_;
            const std::string number = t_.substr(start, i_ - start);
            if (!std::isfinite(std::strtod(number.c_str(), nullptr)))
                throw SpecError(at.to_string(), source_.what + "the number " + number +
                                                    (source_.lines ? " (" + place(start) + ")" : std::string()) +
                                                    " is too large (a number's magnitude is at most 1.8e308)");
            return;
        }
        const std::size_t start = i_;
        while (i_ < t_.size() && std::isalpha(static_cast<unsigned char>(t_[i_]))) ++i_;  // true, false, null
        if (i_ == start) throw Unscannable{};
    }

    const std::string& t_;
    const JsonSource& source_;
    std::size_t i_ = 0;
};

// Throws the SpecError the scan finds, if any.
void scan(const std::string& text, const JsonSource& source) {
    try {
        Scan(text, source).document();
    } catch (const Unscannable&) {
    }
}

// The text with every number beyond a double's range written as 0 (padded to its
// length, so that offsets stay): what the parser says of it is whether the text is
// otherwise JSON. A lexical pass: strings and comments are skipped, nothing else is parsed.
std::string without_overflows(std::string text) {
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (c == '"') {
            for (++i; i < text.size() && text[i] != '"'; i += text[i] == '\\' ? 2 : 1) {}
            ++i;
        } else if (c == '/' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '*')) {
            const auto end = text[i + 1] == '/' ? text.find('\n', i) : text.find("*/", i + 2);
            i = end == std::string::npos ? text.size() : end + 1;
        } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
            const std::size_t start = i;
            while (i < text.size() && std::string("+-.eE0123456789").find(text[i]) != std::string::npos) ++i;
            if (!std::isfinite(std::strtod(text.substr(start, i - start).c_str(), nullptr)))
                text.replace(start, i - start, "0" + std::string(i - start - 1, ' '));
        } else {
            ++i;
        }
    }
    return text;
}

}  // namespace

Json parse_spec_text(const std::string& text, const JsonSource& source) {
    Json document;
    try {
        document = Json::parse(text, nullptr, true, /*ignore_comments=*/true);
    } catch (const Json::out_of_range& e) {  // a number beyond a double: found, with its place, by the scan
        (void)Json::parse(without_overflows(text), nullptr, true, /*ignore_comments=*/true);  // malformed otherwise?
        scan(text, source);
        throw SpecError(source.root.to_string(), (source.what.empty() ? source.name + ": " : source.what) + e.what());
    }
    scan(text, source);
    return document;
}

}  // namespace somnus
