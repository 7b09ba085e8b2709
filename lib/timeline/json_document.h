// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

namespace reel {

/// A parsed JSON text that remembers where each value came from and the exact text of
/// every number, so times like 0.1 convert to exact rationals and errors can name a line
/// and column. Immutable after parse; safe to share between threads.
class JsonDocument {
public:
    /// Parses `text`. Throws Error(timeline) with line and column on a syntax error, a
    /// duplicate key, or nesting deeper than 512 levels. `file` is used in messages only.
    static std::shared_ptr<const JsonDocument> parse(std::string text, std::string file);

    const nlohmann::json& root() const noexcept { return m_root; }
    const std::string& file() const noexcept { return m_file; }

    /// The source text of a number at `pointer`, if it was written as a non-integer.
    const std::string* number_text(const std::string& pointer) const;
    /// 1-based line and column of the value at `pointer` (or of its key when `key` is
    /// true); {0, 0} when unknown. The nearest known ancestor is used otherwise.
    std::pair<int, int> position(const std::string& pointer, bool key = false) const;

    /// Line and column of a byte offset.
    static std::pair<int, int> line_column(const std::string& text, std::size_t offset);

private:
    friend class JsonSaxBuilder;
    nlohmann::json m_root;
    std::string m_file;
    std::string m_text;
    std::unordered_map<std::string, std::size_t> m_value_offsets;
    std::unordered_map<std::string, std::size_t> m_key_offsets;
    std::unordered_map<std::string, std::string> m_numbers;
};

}  // namespace reel
