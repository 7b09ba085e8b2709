// SPDX-License-Identifier: Apache-2.0
#include "common.h"
#include "render_flags.h"

#include "preview/server.h"
#include "preview/session.h"
#include "stats/stats.h"
#include "util/error.h"
#include "util/scratch_dir.h"

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

extern char** environ;

namespace reel::cli {
namespace {

namespace fs = std::filesystem;

struct PreviewCommand {
    CommonOptions common;
    RenderFlags flags;
    int port = 0;
    std::string bind = "127.0.0.1";
    bool open = false;
    int workers = 0;  ///< 0: one per core
};

/// The desktop's browser on `url` (xdg-open); a warning when there is none.
void open_browser(const std::string& url, const CommonOptions& common)
{
    pid_t pid = 0;
    std::string program = "xdg-open";
    char* argv[] = {program.data(), const_cast<char*>(url.c_str()), nullptr};
    if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, argv, environ) != 0) {
        if (!common.quiet)
            std::cerr << "reel preview: warning: cannot start xdg-open; open " << url << " yourself\n";
        return;
    }
    std::thread([pid] {
        int status = 0;
        waitpid(pid, &status, 0);
    }).detach();
}

}  // namespace

void register_preview(CLI::App& app)
{
    static PreviewCommand opts;
    CLI::App* cmd = app.add_subcommand(
        "preview",
        "Serve a live preview in the browser: plays the timeline while it renders, and re-renders "
        "only what an edit of the project changes");
    add_render_flags(*cmd, opts.flags, false);
    opts.flags.segment_seconds = 2;
    cmd->add_option("--port", opts.port, "Port to listen on (default: any free one; the URL is printed)")
        ->check(CLI::Range(0, 65535))
        ->option_text("N");
    cmd->add_option("--bind", opts.bind,
                    "Address to listen on (default 127.0.0.1: this machine only). Any other address "
                    "serves the preview to the network and prints a warning")
        ->option_text("ADDR");
    cmd->add_flag("--open", opts.open, "Open the page in the desktop's browser (xdg-open)");
    cmd->add_option(
           "--workers", opts.workers,
           "Segments rendered at once (default: one per core; each segment's encoder has one thread)")
        ->check(CLI::Range(1, 16))
        ->option_text("N");
    add_log_flags(*cmd, opts.common);
    add_stats_flag(*cmd, opts.common);
    set_runner(*cmd, "preview", opts.common, [&]() -> nlohmann::json {
        if (opts.flags.audio == "always")
            throw Error(ErrorCode::usage, "cli",
                        "reel preview plays the picture only: --audio always is not possible",
                        "leave --audio out");
        if (opts.bind.empty())
            throw Error(ErrorCode::usage, "cli", "--bind is empty", "give an address, e.g. 127.0.0.1");
        opts.flags.progress = "none";
        progress_mode(opts.flags, opts.common);
        // The first open is checked here, before anything listens: a project that cannot
        // play is an error, not an empty page.
        Project first = open_render_project(opts.flags, opts.common, "preview");
        RenderOptions ro = render_options(opts.flags, opts.common, first.timeline);
        if (ro.codec && *ro.codec != "h264")
            throw Error(ErrorCode::usage, "cli",
                        "reel preview plays H.264 (what browsers decode), not " + *ro.codec,
                        "leave --codec out");
        ro.codec = "h264";
        std::unique_ptr<SegmentCache> cache = open_cache(opts.flags);
        ScratchDir scratch(cache->dir() / "tmp", "preview-");

        PreviewSessionOptions so;
        so.project = opts.flags.project;
        so.render = ro;
        so.segment_seconds = opts.flags.segment_seconds;
        so.workers = opts.workers > 0 ? opts.workers : int(std::max(1u, std::thread::hardware_concurrency()));
        bool opened_first = false;
        so.open = [&]() -> Project {
            if (!opened_first) {
                opened_first = true;
                return std::move(first);
            }
            CommonOptions quiet = opts.common;
            quiet.quiet = true;
            RenderFlags flags = opts.flags;
            return open_render_project(flags, quiet, "preview");
        };
        PreviewSession session(so, *cache, scratch.path);
        session.start();
        PreviewServer server(session, PreviewServerOptions{opts.bind, opts.port});
        server.start();
        if (!is_loopback_address(opts.bind) && !opts.common.quiet)
            std::cerr << "reel preview: warning: listening on " << opts.bind
                      << ": anyone who can reach this machine can watch the preview and its media\n";
        if (!opts.common.quiet)
            std::cerr << "reel preview: serving " << opts.flags.project << " at " << server.url()
                      << " (Ctrl-C to stop)" << std::endl;
        if (opts.open) open_browser(server.url(), opts.common);
        while (!cancel_flag().load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        server.stop();
        session.stop();
        cancel_flag() = false;  // stopping is how a preview ends: not an interruption
        PreviewFigures f = session.figures();
        nlohmann::json stats = stats_document("preview");
        stats["url"] = server.url();
        stats["generations"] = f.generations;
        stats["edits_rejected"] = f.rejected;
        stats["segments_rendered"] = f.rendered;
        stats["segments_reused"] = f.reused;
        stats["segments_cancelled"] = f.cancelled;
        stats["segments_failed"] = f.failed;
        stats["first_ready_seconds"] = f.first_ready_seconds;
        return stats;
    });
}

}  // namespace reel::cli
