// SPDX-License-Identifier: Apache-2.0
#include "common.h"

#include "encode/composite.h"
#include "stats/stats.h"
#include "util/error.h"

#include <filesystem>
#include <iostream>

namespace reel::cli {

void register_composite(CLI::App& app)
{
    struct CompositeCommand {
        CommonOptions common;
        std::vector<std::string> inputs;
    };
    static CompositeCommand opts;
    CLI::App* cmd = app.add_subcommand(
        "composite",
        "Join encoded files (e.g. cached segments) into one by stream copy, without re-encoding");
    cmd->add_option("inputs", opts.inputs, "Encoded video files to join, in order")
        ->required()
        ->option_text("SEG...");
    cmd->add_option("-o,--output", opts.common.output, "Output file: .mp4, .mov, .mkv or .webm")
        ->required()
        ->option_text("FILE");
    cmd->add_flag("-y,--overwrite", opts.common.overwrite, "Replace an existing output file");
    add_log_flags(*cmd, opts.common);
    add_stats_flag(*cmd, opts.common);
    set_runner(*cmd, "composite", opts.common, [&]() -> nlohmann::json {
        namespace fs = std::filesystem;
        std::error_code ec;
        if (opts.common.output == "-")
            throw Error(ErrorCode::usage, "cli", "-o - is not possible for a joined MP4", "write to a file");
        if (!opts.common.overwrite && fs::exists(opts.common.output, ec))
            throw Error(ErrorCode::usage, "cli", "\"" + opts.common.output + "\" already exists",
                        "pass -y to overwrite it");
        for (const auto& in : opts.inputs)
            if (fs::exists(in, ec) && fs::exists(opts.common.output, ec) &&
                fs::equivalent(in, opts.common.output, ec))
                throw Error(ErrorCode::usage, "cli", "-o names one of the inputs (" + in + ")",
                            "choose another output file");
        CompositeResult r =
            composite_files(opts.inputs, opts.common.output, opts.common.overwrite, &cancel_flag());
        if (!opts.common.quiet)
            std::cerr << "reel composite: " << r.inputs.size()
                      << (r.inputs.size() == 1 ? " file, " : " files, ") << r.frames << " frames -> "
                      << opts.common.output << "\n";
        nlohmann::json stats = stats_document("composite");
        stats["output"] = opts.common.output;
        stats["frames"] = r.frames;
        stats["bytes_written"] = r.bytes;
        stats["audio_track"] = r.audio;
        nlohmann::json inputs = nlohmann::json::array();
        for (const auto& i : r.inputs)
            inputs.push_back(
                {{"file", i.file}, {"frames", i.frames}, {"duration_seconds", i.duration_seconds}});
        stats["inputs"] = inputs;
        return stats;
    });
}

}  // namespace reel::cli
