// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace reel {

/// What kind of failure an Error is; each maps to one documented exit status.
enum class ErrorCode : int {
    internal = 1,     ///< a bug in reel
    usage = 2,        ///< bad command line
    timeline = 3,     ///< the timeline document is malformed or invalid
    media = 4,        ///< a source file is missing, unreadable or unsupported
    decode = 5,       ///< a source failed while decoding
    encode = 6,       ///< the encoder or muxer failed
    io = 7,           ///< reading or writing a file failed (permissions, full disk)
    unavailable = 8,  ///< the command or feature is not available in this build
    regression = 9,   ///< reel bench --compare: slower than the baseline allows
    interrupted = 130,
};

/// Stable lower-case name of a code ("timeline", "media", ...), used in JSON output.
const char* error_code_name(ErrorCode code);
int exit_status(ErrorCode code);

/// Where in the input a problem sits. Empty fields are unknown.
struct Location {
    std::string file;     ///< project or media file
    std::string pointer;  ///< RFC 6901 JSON pointer into the project
    int line = 0;         ///< 1-based; 0 = unknown
    int column = 0;       ///< 1-based; 0 = unknown
};

/// Everything reel throws. Messages follow the house pattern: the thing in quotes,
/// what is wrong; the hint says what to do.
class Error : public std::runtime_error {
public:
    Error(ErrorCode code, std::string component, std::string message, std::string hint = {});

    ErrorCode code() const noexcept { return m_code; }
    const std::string& component() const noexcept { return m_component; }
    const std::string& message() const noexcept { return m_message; }
    const std::string& hint() const noexcept { return m_hint; }
    const std::string& item_id() const noexcept { return m_item_id; }
    const Location& location() const noexcept { return m_location; }
    /// Further problems found in the same pass (a validator reports them together).
    const std::vector<Error>& more() const noexcept { return m_more; }

    Error& with_item(std::string id);
    Error& with_file(std::string file);
    Error& with_pointer(std::string pointer);
    Error& with_position(int line, int column);
    Error& with_hint(std::string hint);
    Error& with_more(std::vector<Error> more);

    /// One-line human form: "file:line:col: /pointer: message; hint: ...".
    std::string describe() const;

private:
    void refresh();

    ErrorCode m_code;
    std::string m_component;
    std::string m_message;
    std::string m_hint;
    std::string m_item_id;
    Location m_location;
    std::vector<Error> m_more;
    std::string m_what;
};

}  // namespace reel
