// SPDX-License-Identifier: Apache-2.0
#include "timeline/json_document.h"

#include "util/error.h"
#include "util/strings.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <set>
#include <vector>

namespace reel {
namespace {

constexpr std::size_t max_depth = 512;

/// A char iterator that publishes how far the lexer has read, so SAX callbacks can find
/// the text of the token they were just given.
struct CountingIterator {
    using iterator_category = std::forward_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    const char* p = nullptr;
    const char* base = nullptr;
    std::size_t* read = nullptr;

    reference operator*() const { return *p; }
    CountingIterator& operator++()
    {
        ++p;
        if (read) *read = static_cast<std::size_t>(p - base);
        return *this;
    }
    CountingIterator operator++(int)
    {
        auto copy = *this;
        ++*this;
        return copy;
    }
    bool operator==(const CountingIterator& o) const { return p == o.p; }
    bool operator!=(const CountingIterator& o) const { return p != o.p; }
};

bool is_number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

}  // namespace

/// SAX handler that builds the DOM and the position tables.
class JsonSaxBuilder {
public:
    using json = nlohmann::json;

    explicit JsonSaxBuilder(JsonDocument& doc) : m_doc(doc) {}

    std::size_t read = 0;

    bool null() { return value(nullptr, 4); }
    bool boolean(bool v) { return value(v, v ? 4 : 5); }
    bool number_integer(json::number_integer_t v) { return number(v); }
    bool number_unsigned(json::number_unsigned_t v) { return number(v); }
    bool number_float(json::number_float_t v, const std::string& text)
    {
        std::string ptr = child_pointer();
        m_doc.m_numbers[ptr] = text;
        return number(v);
    }
    bool string(std::string& v)
    {
        std::size_t start = string_start();
        return place(json(std::move(v)), start);
    }
    bool binary(json::binary_t&) { return fail_at(read, "binary values are not JSON"); }

    bool start_object(std::size_t)
    {
        if (!place(json::object(), read == 0 ? 0 : read - 1)) return false;
        return push();
    }
    bool key(std::string& k)
    {
        Frame& f = m_stack.back();
        std::size_t start = string_start();
        if (!f.keys.insert(k).second)
            return fail_at(start, "duplicate key \"" + k + "\" in the same object",
                           "remove or rename one of them");
        f.key = k;
        m_doc.m_key_offsets[f.pointer + "/" + json_pointer_escape(k)] = start;
        return true;
    }
    bool end_object()
    {
        m_stack.pop_back();
        return true;
    }
    bool start_array(std::size_t)
    {
        if (!place(json::array(), read == 0 ? 0 : read - 1)) return false;
        return push();
    }
    bool end_array()
    {
        m_stack.pop_back();
        return true;
    }
    bool parse_error(std::size_t position, const std::string& last_token,
                     const nlohmann::detail::exception& ex)
    {
        std::string what = ex.what();
        // nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 2:
        // syntax error while parsing value - invalid literal; last read: 'x'"
        if (auto dash = what.find(" - "); dash != std::string::npos) what = what.substr(dash + 3);
        if (what.rfind("syntax error while parsing ", 0) == 0) what = what.substr(27);
        std::string message = "malformed JSON: " + what;
        if (last_token.empty() && position <= 1 &&
            m_doc.m_text.find_first_not_of(" \t\r\n") == std::string::npos)
            message = "malformed JSON: the file is empty";
        // Point at the start of the offending token, not past it: `position` counts the
        // characters read, so the token ends at position - 1.
        const std::string& text = m_doc.m_text;
        std::size_t at = position == 0 || text.empty() ? 0 : std::min(position, text.size()) - 1;
        if (at < text.size() && text[at] == '"' && at > 0) {
            std::size_t i = at;
            while (i > 0 && !(text[i - 1] == '"' && (i < 2 || text[i - 2] != '\\'))) --i;
            at = i > 0 ? i - 1 : 0;
        } else {
            while (at > 0 && at < text.size() &&
                   (std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '.' ||
                    text[at - 1] == '-' || text[at - 1] == '+') &&
                   (std::isalnum(static_cast<unsigned char>(text[at])) || text[at] == '.'))
                --at;
        }
        (void)last_token;
        if (message == "malformed JSON: the file is empty")
            return fail_at(0, message, "a timeline is a JSON object: {\"reel\": 1, ...}");
        // Recognise the usual mistakes and say so in words.
        std::size_t bad = std::min(position == 0 ? 0 : position - 1, text.empty() ? 0 : text.size() - 1);
        for (std::size_t i = at; i <= bad && i < text.size(); ++i) {
            if (text[i] == '/' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '*'))
                return fail_at(i, "malformed JSON: JSON has no comments",
                               "remove the comment; keep notes in a \"metadata\" object");
            if (text[i] == '/' && i == bad && i > 0 && (text[i - 1] == '/' || text[i - 1] == '*'))
                return fail_at(i - 1, "malformed JSON: JSON has no comments",
                               "remove the comment; keep notes in a \"metadata\" object");
            if (text[i] == '\'')
                return fail_at(i, "malformed JSON: strings and keys need double quotes, not single quotes",
                               "write \"name\" instead of 'name'");
        }
        if (at < text.size() && (text[at] == '}' || text[at] == ']')) {
            std::size_t k = at;
            while (k > 0 && std::isspace(static_cast<unsigned char>(text[k - 1]))) --k;
            if (k > 0 && text[k - 1] == ',')
                return fail_at(k - 1,
                               "malformed JSON: trailing comma before '" + std::string(1, text[at]) + "'",
                               "remove the comma after the last element");
        }
        return fail_at(at, message, "check for a missing comma, quote or bracket just before this point");
    }

    std::optional<Error> error;

private:
    struct Frame {
        json* container;
        std::string pointer;
        std::string key;
        std::set<std::string> keys;
        std::size_t next_index = 0;
    };

    template <typename T>
    bool number(T v)
    {
        std::size_t end = read;
        const std::string& text = m_doc.m_text;
        while (end > 0 && !is_number_char(text[end - 1])) --end;
        std::size_t start = end;
        while (start > 0 && is_number_char(text[start - 1])) --start;
        return place(json(v), start);
    }

    bool value(json v, std::size_t length) { return place(std::move(v), read >= length ? read - length : 0); }

    std::size_t string_start() const
    {
        // `read` is just past the closing quote; walk back to the unescaped opening quote.
        const std::string& text = m_doc.m_text;
        if (read < 2) return 0;
        std::size_t i = read - 2;
        while (i > 0) {
            if (text[i] == '"') {
                std::size_t slashes = 0;
                while (i >= slashes + 1 && text[i - slashes - 1] == '\\') ++slashes;
                if (slashes % 2 == 0) return i;
            }
            --i;
        }
        return 0;
    }

    std::string child_pointer() const
    {
        if (m_stack.empty()) return "";
        const Frame& f = m_stack.back();
        if (f.container->is_object()) return f.pointer + "/" + json_pointer_escape(f.key);
        return f.pointer + "/" + std::to_string(f.next_index);
    }

    bool place(json v, std::size_t offset)
    {
        std::string ptr = child_pointer();
        m_doc.m_value_offsets.emplace(ptr, offset);
        if (m_stack.empty()) {
            m_doc.m_root = std::move(v);
            m_last = &m_doc.m_root;
            m_last_pointer = ptr;
            return true;
        }
        Frame& f = m_stack.back();
        if (f.container->is_object()) {
            m_last = &(*f.container)[f.key];
            *m_last = std::move(v);
        } else {
            f.container->push_back(std::move(v));
            m_last = &f.container->back();
            ++f.next_index;
        }
        m_last_pointer = ptr;
        return true;
    }

    bool push()
    {
        if (m_stack.size() >= max_depth)
            return fail_at(read == 0 ? 0 : read - 1,
                           "JSON nested deeper than " + std::to_string(max_depth) + " levels");
        m_stack.push_back(Frame{m_last, m_last_pointer, {}, {}, 0});
        return true;
    }

    bool fail_at(std::size_t offset, std::string message, std::string hint = {})
    {
        auto [line, col] = JsonDocument::line_column(m_doc.m_text, offset);
        error = Error(ErrorCode::timeline, "json", std::move(message), std::move(hint))
                    .with_file(m_doc.m_file)
                    .with_position(line, col);
        return false;
    }

    JsonDocument& m_doc;
    std::vector<Frame> m_stack;
    json* m_last = nullptr;
    std::string m_last_pointer;
};

std::shared_ptr<const JsonDocument> JsonDocument::parse(std::string text, std::string file)
{
    auto doc = std::make_shared<JsonDocument>();
    doc->m_text = std::move(text);
    doc->m_file = std::move(file);
    JsonSaxBuilder builder(*doc);
    const char* begin = doc->m_text.data();
    CountingIterator first{begin, begin, &builder.read};
    CountingIterator last{begin + doc->m_text.size(), begin, nullptr};
    bool ok = nlohmann::json::sax_parse(first, last, &builder);
    if (!ok || builder.error) {
        if (builder.error) throw *builder.error;
        throw Error(ErrorCode::timeline, "json", "malformed JSON").with_file(doc->m_file);
    }
    return doc;
}

const std::string* JsonDocument::number_text(const std::string& pointer) const
{
    auto it = m_numbers.find(pointer);
    return it == m_numbers.end() ? nullptr : &it->second;
}

std::pair<int, int> JsonDocument::position(const std::string& pointer, bool key) const
{
    std::string p = pointer;
    if (key) {
        if (auto it = m_key_offsets.find(p); it != m_key_offsets.end())
            return line_column(m_text, it->second);
    }
    while (true) {
        if (auto it = m_value_offsets.find(p); it != m_value_offsets.end())
            return line_column(m_text, it->second);
        if (p.empty()) return {0, 0};
        p = p.substr(0, p.rfind('/'));
    }
}

std::pair<int, int> JsonDocument::line_column(const std::string& text, std::size_t offset)
{
    // Columns count characters as an editor shows them: UTF-8 continuation bytes and a
    // byte-order mark take no column.
    int line = 1;
    int col = 1;
    std::size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    for (; i < offset && i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++line;
            col = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++col;
        }
    }
    return {line, col};
}

}  // namespace reel
