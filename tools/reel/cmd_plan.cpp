// SPDX-License-Identifier: Apache-2.0
#include "common.h"

#include "plan/plan.h"
#include "stats/stats.h"
#include "timeline/parse.h"
#include "util/error.h"

#include <iostream>

namespace reel::cli {
namespace {

struct PlanCommand {
    CommonOptions common;
    std::string project;
    std::string format = "json";
    double segment_seconds = 5;
};

}  // namespace

void register_plan(CLI::App& app)
{
    static PlanCommand opts;
    CLI::App* cmd =
        app.add_subcommand("plan", "Parse, validate and analyse a timeline; print the plan (no pixels)");
    cmd->add_option("project", opts.project, "Timeline file (.json)")->required()->option_text("PROJECT");
    add_output_flags(*cmd, opts.common, "the plan");
    cmd->add_option("--format", opts.format, "Plan format: json (default) or text (a table for people)")
        ->check(CLI::IsMember({"json", "text"}))
        ->option_text("json|text");
    cmd->add_option("--segment-seconds", opts.segment_seconds,
                    "Longest segment, in seconds (default 5); segments are also cut where the layers change")
        ->check(CLI::Range(0.1, 3600.0))
        ->option_text("S");
    add_log_flags(*cmd, opts.common);
    add_stats_flag(*cmd, opts.common);
    set_runner(*cmd, "plan", opts.common, [&]() -> nlohmann::json {
        bool plan_to_stdout = opts.common.output.empty() || opts.common.output == "-";
        if (plan_to_stdout && opts.common.stats == "-")
            throw Error(ErrorCode::usage, "cli", "--stats - and the plan would both go to stdout",
                        "write the plan to a file with -o FILE, or the stats with --stats FILE");
        if (!opts.common.output.empty() && opts.common.output != "-" && opts.common.output == opts.project)
            throw Error(ErrorCode::usage, "cli", "-o names the project file itself",
                        "choose another output file");
        Project project = open_project(opts.project);
        const Timeline& tl = project.timeline;
        const SourceTable& sources = project.sources;
        double parse_seconds = project.parse_seconds, probe_seconds = project.probe_seconds;
        Stopwatch stage;
        PlanOptions po;
        if (auto seconds = Rational::parse(std::to_string(opts.segment_seconds)))
            po.max_segment_seconds = *seconds;
        Plan plan = make_plan(tl, sources, po);
        double plan_seconds = stage.seconds();
        std::string text = opts.format == "text" ? plan_to_text(plan) : plan_to_json(plan).dump(2) + "\n";
        write_output(opts.common, text);
        if (!opts.common.quiet && !plan_to_stdout)
            std::cerr << "reel plan: " << plan.frames << " frames, " << plan.segments.size() << " segments, "
                      << plan.sources.size() << " sources -> " << opts.common.output << "\n";
        if (opts.common.verbose > 0 && !opts.common.quiet)
            std::cerr << "reel plan: parse " << parse_seconds << " s, probe " << sources.size() << " sources "
                      << probe_seconds << " s, plan " << plan_seconds << " s\n";
        for (const auto& warning : plan.warnings)
            if (!opts.common.quiet) std::cerr << "reel plan: warning: " << warning << "\n";
        nlohmann::json stats = stats_document("plan");
        stats["frames"] = plan.frames;
        stats["segments"] = plan.segments.size();
        stats["sources_probed"] = sources.size();
        stats["stages"] = {{"parse_seconds", parse_seconds},
                           {"probe_seconds", probe_seconds},
                           {"plan_seconds", plan_seconds}};
        return stats;
    });
}

}  // namespace reel::cli
