// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/scratch_dir.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "time/rational.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace reel::cli {

/// CLI::Range for a real number that also refuses nan and inf ("--crf nan"), which
/// CLI::Range lets through (every comparison with nan is false).
CLI::Validator finite_range(double lo, double hi);

/// Flags shared by subcommands (filled by CLI11, read by the commands).
struct CommonOptions {
    std::string output;      ///< -o; "-" is stdout
    bool overwrite = false;  ///< -y
    bool quiet = false;      ///< -q
    int verbose = 0;         ///< -v (repeatable)
    std::string stats;       ///< --stats FILE|-
    /// `--progress json`: the render's events (render/events.h) as NDJSON on stderr,
    /// ending with a `done` or `error` event.
    bool events = false;
};

/// Writes one event as a line on stderr, its "time" stamped as it goes out (serialised:
/// callable from any thread; times increase line by line).
void emit_event(nlohmann::json event);
/// Seconds since the command started (the events' "time").
double command_seconds();

/// What a subcommand's run function returns: its stats document (or null).
using Runner = std::function<nlohmann::json()>;

void add_output_flags(CLI::App& cmd, CommonOptions& opts, const std::string& what);
void add_log_flags(CLI::App& cmd, CommonOptions& opts);
void add_stats_flag(CLI::App& cmd, CommonOptions& opts);

/// Registers `run` as the subcommand's action. The wrapper times it, writes the stats
/// document (with the error, if any) to --stats, and records the exit status.
void set_runner(CLI::App& cmd, const std::string& name, CommonOptions& opts, Runner run);

/// Writes text to -o (atomically; refusing to overwrite without -y) or stdout for "-".
void write_output(const CommonOptions& opts, const std::string& text);

/// Exit status of the subcommand that ran (set by set_runner's wrapper).
int& exit_code();

/// Set by SIGINT/SIGTERM; long-running commands stop when they see it.
std::atomic<bool>& cancel_flag();

/// Adds --fps (the output rate, overriding the timeline's) and --strict (warnings are
/// errors) to a command that opens a project.
void add_fps_strict_flags(CLI::App& cmd, std::string& fps, bool& strict);

/// --fps's value: "25", "29.97" (NTSC decimals mean n×1000/1001), "30000/1001"; nothing
/// when not given; Error(usage) naming the flag otherwise.
std::optional<Rational> parse_fps_flag(const std::string& text);

/// Under --strict: every warning (OTIO mapping, plan) as one Error(timeline), each in
/// turn, so that nothing is rendered. Does nothing when `warnings` is empty.
void fail_on_warnings(const std::vector<std::string>& warnings, const std::string& command);

void register_plan(CLI::App& app);
void register_render(CLI::App& app);
void register_segment(CLI::App& app);
void register_composite(CLI::App& app);
void register_bench(CLI::App& app);
void register_proxy(CLI::App& app);
void register_preview(CLI::App& app);

}  // namespace reel::cli
