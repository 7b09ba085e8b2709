// SPDX-License-Identifier: Apache-2.0
#include "util/error.h"

#include "util/strings.h"

namespace reel {

const char* error_code_name(ErrorCode code)
{
    switch (code) {
        case ErrorCode::internal: return "internal";
        case ErrorCode::usage: return "usage";
        case ErrorCode::timeline: return "timeline";
        case ErrorCode::media: return "media";
        case ErrorCode::decode: return "decode";
        case ErrorCode::encode: return "encode";
        case ErrorCode::io: return "io";
        case ErrorCode::unavailable: return "unavailable";
        case ErrorCode::regression: return "regression";
        case ErrorCode::interrupted: return "interrupted";
    }
    return "internal";
}

int exit_status(ErrorCode code)
{
    return static_cast<int>(code);
}

Error::Error(ErrorCode code, std::string component, std::string message, std::string hint)
    : std::runtime_error(message),
      m_code(code),
      m_component(std::move(component)),
      m_message(std::move(message)),
      m_hint(std::move(hint))
{
    refresh();
}

Error& Error::with_item(std::string id)
{
    m_item_id = std::move(id);
    refresh();
    return *this;
}

Error& Error::with_file(std::string file)
{
    m_location.file = std::move(file);
    refresh();
    return *this;
}

Error& Error::with_pointer(std::string pointer)
{
    m_location.pointer = std::move(pointer);
    refresh();
    return *this;
}

Error& Error::with_position(int line, int column)
{
    m_location.line = line;
    m_location.column = column;
    refresh();
    return *this;
}

Error& Error::with_hint(std::string hint)
{
    m_hint = std::move(hint);
    refresh();
    return *this;
}

Error& Error::with_more(std::vector<Error> more)
{
    m_more = std::move(more);
    return *this;
}

std::string Error::describe() const
{
    std::string out;
    if (!m_location.file.empty()) {
        out += m_location.file;
        if (m_location.line > 0) {
            out += ':' + std::to_string(m_location.line);
            if (m_location.column > 0) out += ':' + std::to_string(m_location.column);
        }
        out += ": ";
    }
    if (!m_location.pointer.empty()) out += abbreviate(m_location.pointer, 120) + ": ";
    out += m_message;
    if (!m_hint.empty()) out += "; hint: " + m_hint;
    return out;
}

void Error::refresh()
{
    m_what = describe();
    static_cast<std::runtime_error&>(*this) = std::runtime_error(m_what);
}

}  // namespace reel
