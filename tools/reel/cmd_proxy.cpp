// SPDX-License-Identifier: Apache-2.0
#include "common.h"
#include "render_flags.h"

#include "proxy/proxy.h"
#include "stats/stats.h"
#include "timeline/otio.h"
#include "util/error.h"

#include <filesystem>
#include <iostream>

namespace reel::cli {
namespace {

namespace fs = std::filesystem;

struct ProxyCommand {
    CommonOptions common;
    RenderFlags flags;  ///< threads, memory budget, progress, cache folder, media root
    std::vector<std::string> inputs;
    ProxySettings settings;
    bool force = false;
};

/// The sources to proxy: a project's (one .json or OTIO argument), or the files given.
SourceTable sources_of(ProxyCommand& opts)
{
    const std::string& first = opts.inputs.front();
    bool project = opts.inputs.size() == 1 && (fs::path(first).extension() == ".json" || is_otio_path(first));
    if (project) {
        opts.flags.project = first;
        return open_render_project(opts.flags, opts.common, "proxy").sources;
    }
    if (!opts.flags.media_root.empty())
        throw Error(ErrorCode::usage, "cli",
                    "--media-root applies to an OpenTimelineIO project, not to files");
    SourceTable sources;
    for (const auto& file : opts.inputs) sources.emplace(file, probe_media(file));
    return sources;
}

/// Makes the proxies that are not current (all with --force); the stats document.
nlohmann::json run_proxy(ProxyCommand& opts)
{
    progress_mode(opts.flags, opts.common);
    SourceTable sources = sources_of(opts);
    ProxyStore store(proxy_dir(opts.flags));
    ProxyMakeOptions make{opts.settings, render_options(opts.flags, opts.common, Timeline{})};
    nlohmann::json list = nlohmann::json::array();
    int made = 0, reused = 0, not_needed = 0;
    std::int64_t frames = 0;
    for (const auto& [id, source] : sources) {
        ProxyEntry e = store.lookup(source, opts.settings, true);
        nlohmann::json j = {{"media", id}, {"source", source.path}, {"state", to_string(e.state)}};
        if (e.state == ProxyState::not_needed) {
            ++not_needed;
            j["action"] = "none";
        } else if (e.state == ProxyState::current && !opts.force) {
            ++reused;
            j.update({{"action", "reused"}, {"file", e.file.string()}});
        } else {
            if (!opts.common.quiet && !opts.common.events)
                std::cerr << "reel proxy: making the proxy of \"" << id << "\" (" << source.path << ")\n";
            ProxyMade m = make_proxy(store, source, make);
            ++made;
            frames += m.frames;
            j.update({{"action", "made"},
                      {"file", m.file.string()},
                      {"width", m.width},
                      {"height", m.height},
                      {"frames", m.frames},
                      {"audio", m.audio},
                      {"bytes", m.bytes},
                      {"seconds", m.seconds}});
        }
        list.push_back(std::move(j));
    }
    if (!opts.common.quiet && !opts.common.events)
        std::cerr << "reel proxy: " << made << " made, " << reused << " reused, " << not_needed
                  << " not needed -> " << store.dir().string() << "\n";
    nlohmann::json stats = stats_document("proxy");
    stats.update({{"proxy_dir", store.dir().string()},
                  {"settings", settings_json(opts.settings)},
                  {"frames", frames},
                  {"made", made},
                  {"reused", reused},
                  {"not_needed", not_needed},
                  {"proxies", std::move(list)}});
    return stats;
}

}  // namespace

void register_proxy(CLI::App& app)
{
    static ProxyCommand opts;
    CLI::App* cmd = app.add_subcommand(
        "proxy", "Make low-resolution, quick-to-seek proxies of a project's sources (or of the files given)");
    cmd->add_option("inputs", opts.inputs, "A timeline (.json or .otio), or media files")
        ->required()
        ->option_text("PROJECT|FILE...");
    cmd->add_option("--height", opts.settings.height,
                    "Proxy height in pixels (default 720); never above the source's, width keeps the aspect")
        ->check(CLI::Range(16, 4320))
        ->option_text("N");
    cmd->add_option("--gop", opts.settings.gop, "Frames between keyframes (default 10; 1: every frame)")
        ->check(CLI::Range(1, 600))
        ->option_text("N");
    cmd->add_option("--crf", opts.settings.crf, "H.264 constant quality (default 23)")
        ->check(CLI::Range(0.0, 51.0))
        ->option_text("N");
    cmd->add_option("--preset", opts.settings.preset, "x264 preset (default veryfast)")->option_text("NAME");
    cmd->add_flag("--force", opts.force, "Make every proxy again, even the current ones");
    cmd->add_option("--media-root", opts.flags.media_root,
                    "OTIO input: resolve relative media paths under DIR")
        ->option_text("DIR");
    cmd->add_option("--threads", opts.flags.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(1, 256))
        ->option_text("N");
    cmd->add_option("--memory-budget", opts.flags.memory_budget,
                    "Memory for the renders that make the proxies, e.g. 512M")
        ->option_text("SIZE");
    cmd->add_option(
           "--cache-dir", opts.flags.cache_dir,
           "Cache folder; proxies go in its proxies/ (default: $XDG_CACHE_HOME/reel, else ~/.cache/reel)")
        ->option_text("DIR");
    cmd->add_option("--progress", opts.flags.progress, "Progress on stderr: auto, bar, json, none")
        ->check(CLI::IsMember({"auto", "bar", "json", "none"}))
        ->option_text("MODE");
    add_log_flags(*cmd, opts.common);
    add_stats_flag(*cmd, opts.common);
    set_runner(*cmd, "proxy", opts.common, [&]() -> nlohmann::json { return run_proxy(opts); });
}

}  // namespace reel::cli
