// SPDX-License-Identifier: Apache-2.0
#include "common.h"

#include "render/events.h"
#include "stats/stats.h"
#include "timeline/model.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/stopwatch.h"
#include "util/strings.h"

#include <cmath>
#include <iostream>
#include <mutex>

namespace reel::cli {

CLI::Validator finite_range(double lo, double hi)
{
    std::string range = "[" + format_number(lo) + " - " + format_number(hi) + "]";
    return CLI::Validator(
        [lo, hi, range](std::string& text) -> std::string {
            double v = 0;
            std::size_t used = 0;
            try {
                v = std::stod(text, &used);
            } catch (const std::exception&) {
                return "Value " + text + " is not a number";
            }
            if (used != text.size() || !std::isfinite(v) || v < lo || v > hi)
                return "Value " + text + " not in range " + range;
            return {};
        },
        "FLOAT in " + range);
}

std::atomic<bool>& cancel_flag()
{
    static std::atomic<bool> flag{false};
    return flag;
}

int& exit_code()
{
    static int code = 0;
    return code;
}

double command_seconds()
{
    static const Stopwatch started;
    return started.seconds();
}

void emit_event(nlohmann::json event)
{
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    event["time"] = command_seconds();  // stamped in the order the lines go out
    std::cerr << event.dump() << "\n" << std::flush;
}

void add_output_flags(CLI::App& cmd, CommonOptions& opts, const std::string& what)
{
    cmd.add_option("-o,--output", opts.output, "Write " + what + " to FILE ('-' for stdout)")
        ->option_text("FILE");
    cmd.add_flag("-y,--overwrite", opts.overwrite, "Replace an existing output file");
}

void add_log_flags(CLI::App& cmd, CommonOptions& opts)
{
    cmd.add_flag("-q,--quiet", opts.quiet, "Print nothing on stderr but errors");
    cmd.add_flag("-v,--verbose", opts.verbose, "Say more on stderr (repeat for more)");
}

void add_stats_flag(CLI::App& cmd, CommonOptions& opts)
{
    cmd.add_option("--stats", opts.stats,
                   "Write machine-readable stats (and any error) as JSON to FILE ('-' for stdout)")
        ->option_text("FILE|-");
}

namespace {

void emit_stats(const CommonOptions& opts, const nlohmann::json& doc)
{
    if (opts.stats.empty()) return;
    std::string text = doc.dump(2) + "\n";
    if (opts.stats == "-") {
        std::cout << text << std::flush;
        return;
    }
    try {
        write_file_atomic(opts.stats, text, Overwrite::replace);
    } catch (const Error& e) {
        std::cerr << "reel: error: cannot write stats: " << e.describe() << "\n";
        if (exit_code() == 0) exit_code() = exit_status(ErrorCode::io);
    }
}

}  // namespace

void set_runner(CLI::App& cmd, const std::string& name, CommonOptions& opts, Runner run)
{
    cmd.callback([&opts, name, run]() {
        Stopwatch watch;
        try {
            nlohmann::json doc = run();
            if (!doc.is_null()) {
                doc["ok"] = true;
                doc["wall_seconds"] = watch.seconds();
                doc["peak_rss_bytes"] = peak_rss_bytes();
                exit_code() = 0;
                if (opts.events) emit_event(done_event(doc, command_seconds()));
                emit_stats(opts, doc);
            }
        } catch (const Error& e) {
            std::cerr << "reel " << name << ": error: " << e.describe() << "\n";
            for (const auto& more : e.more())
                std::cerr << "reel " << name << ": error: " << more.describe() << "\n";
            if (!e.more().empty())
                std::cerr << "reel " << name << ": " << (e.more().size() + 1) << " problems found\n";
            nlohmann::json doc = stats_document(name);
            doc["ok"] = false;
            doc["wall_seconds"] = watch.seconds();
            doc["peak_rss_bytes"] = peak_rss_bytes();
            doc["error"] = error_to_json(e);
            exit_code() = exit_status(e.code());
            if (opts.events) emit_event(error_event(doc["error"], command_seconds()));
            emit_stats(opts, doc);
        }
    });
}

void write_output(const CommonOptions& opts, const std::string& text)
{
    if (opts.output.empty() || opts.output == "-") {
        std::cout << text << std::flush;
        if (!std::cout) throw Error(ErrorCode::io, "cli", "cannot write to stdout");
        return;
    }
    write_file_atomic(opts.output, text, opts.overwrite ? Overwrite::replace : Overwrite::refuse);
}

void add_fps_strict_flags(CLI::App& cmd, std::string& fps, bool& strict)
{
    cmd.add_option("--fps", fps,
                   "Output frame rate, overriding the timeline's (25, 29.97, 30000/1001); default: the "
                   "timeline's, else for OTIO the most common video rate of its clips")
        ->option_text("RATE");
    cmd.add_flag("--strict", strict,
                 "Treat every warning (an OTIO effect reel cannot apply, unused media, ...) as an error, "
                 "before any rendering");
}

std::optional<Rational> parse_fps_flag(const std::string& text)
{
    if (text.empty()) return std::nullopt;
    auto r = Rational::parse(text);
    if (!r)
        throw Error(ErrorCode::usage, "cli", "--fps \"" + text + "\" is not a frame rate",
                    "write a number (25, 29.97) or a fraction (30000/1001)");
    Rational fps = snap_ntsc_rate(*r);
    if (std::string problem = frame_rate_problem(fps); !problem.empty())
        throw Error(ErrorCode::usage, "cli", "--fps " + text + " is " + problem,
                    "reel encodes 1 to 480 frames per second");
    return fps;
}

void fail_on_warnings(const std::vector<std::string>& warnings, const std::string& command)
{
    if (warnings.empty()) return;
    std::vector<Error> errors;
    for (const auto& w : warnings)
        errors.emplace_back(ErrorCode::timeline, "strict", w,
                            "fix it in the timeline, or run reel " + command + " without --strict");
    Error first = errors.front();
    errors.erase(errors.begin());
    first.with_more(std::move(errors));
    throw first;
}

}  // namespace reel::cli
