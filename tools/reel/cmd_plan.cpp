// SPDX-License-Identifier: Apache-2.0
#include "common.h"

#include "cache/segment_cache.h"
#include "farm/emit.h"
#include "farm/tasks.h"
#include "plan/plan.h"
#include "proxy/proxy.h"
#include "render/keys.h"
#include "render/segments.h"
#include "stats/stats.h"
#include "timeline/otio.h"
#include "timeline/otio_write.h"
#include "timeline/parse.h"
#include "timeline/serialize.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/stopwatch.h"
#include "util/strings.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace reel::cli {
namespace {

struct PlanCommand {
    CommonOptions common;
    std::string project;
    std::string format = "json";
    std::string emit = "plan";
    double segment_seconds = 5;
    std::string dump;
    std::string media_root;
    std::string cache_dir;
    int proxy_height = 720;
    std::string fps;
    bool strict = false;
    // --emit slurm|k8s
    std::optional<int> tasks;
    std::optional<double> task_seconds;
    int max_parallel = 0;
    std::string join_output;
    bool only_missing = false;
    bool submit = false;
    std::string image = "reel:latest";
    std::string claim = "reel-shared";
};

bool emits_farm(const PlanCommand& opts)
{
    return opts.emit == "slurm" || opts.emit == "k8s";
}

bool is_absolute_path(const std::string& path)
{
    return std::filesystem::path(path).is_absolute() ||
           (path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':' &&
            (path[2] == '/' || path[2] == '\\'));
}

/// Writes `timeline` as reel JSON to `file` (atomically; an existing file needs -y).
/// Media paths that were relative to the project's folder are made relative to the
/// dump's folder (absolute when they would have to climb out of it with ".."), so the
/// dump works wherever it is written.
void write_dump(const Timeline& timeline, const std::string& file, bool overwrite)
{
    namespace fs = std::filesystem;
    nlohmann::json doc = to_json(timeline);
    fs::path dir = fs::absolute(fs::path(file)).parent_path();
    for (auto& [id, entry] : doc["media"].items()) {
        const MediaRef& ref = timeline.media.at(id);
        if (is_absolute_path(ref.path)) continue;
        fs::path target = fs::absolute(ref.resolved).lexically_normal();
        fs::path relative = target.lexically_relative(dir);
        bool climbs = relative.empty() || *relative.begin() == "..";
        entry["path"] = climbs ? target.string() : relative.generic_string();
    }
    write_file_atomic(file, doc.dump(2) + "\n", overwrite ? Overwrite::replace : Overwrite::refuse);
}

/// Usage errors that name the flag, before any work.
void check_plan_flags(const PlanCommand& opts)
{
    bool plan_to_stdout = opts.common.output.empty() || opts.common.output == "-";
    if (plan_to_stdout && opts.common.stats == "-")
        throw Error(ErrorCode::usage, "cli", "--stats - and the plan would both go to stdout",
                    "write the plan to a file with -o FILE, or the stats with --stats FILE");
    if (!opts.common.output.empty() && opts.common.output != "-" && opts.common.output == opts.project)
        throw Error(ErrorCode::usage, "cli", "-o names the project file itself",
                    "choose another output file");
    bool otio = is_otio_path(opts.project);
    if (!opts.media_root.empty() && !otio)
        throw Error(ErrorCode::usage, "cli",
                    "--media-root applies to OpenTimelineIO input, but " + opts.project + " is not an .otio",
                    "media paths in a reel timeline are relative to its own folder");
    if (opts.emit == "otio" && opts.format != "json")
        throw Error(ErrorCode::usage, "cli",
                    "--format " + opts.format + " applies to the plan, but --emit otio writes OpenTimelineIO",
                    "drop --format, or write the plan in another run");
    bool farm = emits_farm(opts);
    auto farm_only = [&](bool given, const std::string& flag) {
        if (given && !farm)
            throw Error(ErrorCode::usage, "cli", flag + " applies to a farm job, but --emit is " + opts.emit,
                        "add --emit slurm or --emit k8s");
    };
    farm_only(opts.tasks.has_value(), "--tasks");
    farm_only(opts.task_seconds.has_value(), "--task-seconds");
    farm_only(opts.max_parallel > 0, "--max-parallel");
    farm_only(!opts.join_output.empty(), "--join-output");
    farm_only(opts.only_missing, "--only-missing");
    farm_only(opts.submit, "--submit");
    if (farm && plan_to_stdout)
        throw Error(ErrorCode::usage, "cli", "--emit " + opts.emit + " needs -o FILE",
                    "the task file is written next to it (FILE.tasks.json), where the tasks read it");
    if (farm && opts.format != "json")
        throw Error(
            ErrorCode::usage, "cli",
            "--format " + opts.format + " applies to the plan, but --emit " + opts.emit + " writes a job",
            "drop --format");
    if (opts.submit && opts.emit != "slurm")
        throw Error(ErrorCode::usage, "cli", "--submit runs sbatch, so it goes with --emit slurm",
                    "apply the YAML with kubectl apply -f FILE");
    if (opts.tasks && opts.task_seconds)
        throw Error(ErrorCode::usage, "cli", "--tasks and --task-seconds both say how many tasks",
                    "give one of them");
    if (opts.only_missing && (opts.tasks || opts.task_seconds))
        throw Error(
            ErrorCode::usage, "cli",
            "--only-missing keeps the tasks of the task file, so --tasks and --task-seconds do not apply",
            "drop them, or emit a new job without --only-missing");
    if (!opts.dump.empty() && (opts.dump == opts.project || opts.dump == opts.common.output))
        throw Error(ErrorCode::usage, "cli",
                    "--dump names " + std::string(opts.dump == opts.project ? "the project file itself"
                                                                            : "the plan's output file"),
                    "choose another file for the reel timeline");
}

/// The project, its dump written and the OTIO mapping's warnings printed (unless --strict,
/// which reports them as errors) and kept.
Project open_plan_project(const PlanCommand& opts, std::vector<std::string>& otio_warnings)
{
    bool otio = is_otio_path(opts.project);
    std::optional<Rational> fps = parse_fps_flag(opts.fps);
    Project project;
    if (otio) {
        // As open_project(), with the mapping's warnings kept. The dump is written once the
        // media are probed (the rate and the clips of stills settled), or, when probing
        // fails, as read, so that a timeline whose media are offline still converts.
        Stopwatch step;
        OtioTimeline read = load_otio(opts.project, OtioOptions{opts.media_root});
        project.timeline = std::move(read.timeline);
        otio_warnings = std::move(read.warnings);
        project.proxy_references = std::move(read.proxies);
        project.parse_seconds = step.seconds();
        // Said now, so that they are seen even when probing fails.
        for (const auto& warning : otio_warnings)
            if (!opts.common.quiet && !opts.strict) std::cerr << "reel plan: warning: " << warning << "\n";
        Stopwatch probe;
        try {
            project.sources = probe_sources(project.timeline);
        } catch (const Error&) {
            if (fps) project.timeline.output.fps = *fps;
            if (!opts.dump.empty()) write_dump(project.timeline, opts.dump, opts.common.overwrite);
            throw;
        }
        settle_frame_rate(project.timeline, project.sources, fps);
        resolve_timeline(project.timeline, source_facts(project.sources));
        project.probe_seconds = probe.seconds();
        if (!opts.dump.empty()) write_dump(project.timeline, opts.dump, opts.common.overwrite);
    } else {
        project = open_project(opts.project, ProjectOptions{{}, fps});
        if (!opts.dump.empty()) write_dump(project.timeline, opts.dump, opts.common.overwrite);
    }
    return project;
}

/// Each source's proxy at `height`: what 'reel render --proxy' would decode.
void mark_proxies(Plan& plan, const Project& project, const std::filesystem::path& cache_dir, int height)
{
    ProxyStore store(ProxyStore::dir_in_cache(cache_dir));
    ProxySettings ps;
    ps.height = height;
    for (auto& s : plan.sources) {
        auto ref = project.proxy_references.find(s.id);
        if (s.info.video && ref != project.proxy_references.end()) {
            s.proxy = SourcePlan::Proxy{"reference", ps.height, ref->second.string()};
            continue;
        }
        ProxyEntry e = store.lookup(s.info, ps, false);
        s.proxy = SourcePlan::Proxy{to_string(e.state), ps.height,
                                    e.state == ProxyState::not_needed ? "" : e.file.string()};
    }
}

/// `--emit otio`: the resolved timeline as OpenTimelineIO. Relative media paths are
/// written relative to the .otio file's folder (the current one for stdout).
std::string otio_text(const PlanCommand& opts, const Project& project)
{
    bool to_stdout = opts.common.output.empty() || opts.common.output == "-";
    OtioWriteOptions wo;
    wo.dir = to_stdout ? std::filesystem::current_path()
                       : std::filesystem::absolute(opts.common.output).parent_path();
    return to_otio(project.timeline, source_facts(project.sources), wo).dump(2) + "\n";
}

/// The task file next to a farm job's script.
std::filesystem::path tasks_file_for(const std::string& script)
{
    return std::filesystem::absolute(script + ".tasks.json");
}

/// `--only-missing`: the task file's tasks that still lack a segment in the cache. Refuses
/// a task file made for another project or another plan (its keys differ).
std::vector<int> missing_tasks(const PlanCommand& opts, const Plan& plan, const TaskFile& file,
                               const std::filesystem::path& path, const std::filesystem::path& cache_dir)
{
    namespace fs = std::filesystem;
    std::string again = "emit a new job without --only-missing";
    if (fs::absolute(opts.project) != fs::path(file.project) ||
        fs::absolute(cache_dir) != fs::path(file.cache_dir))
        throw Error(ErrorCode::usage, "cli",
                    "task file \"" + path.string() + "\" was written for " + file.project +
                        " with the cache " + file.cache_dir,
                    "give the same project and --cache-dir, or " + again);
    std::vector<int> missing;
    for (const auto& task : file.tasks) {
        if (std::optional<int> stale = stale_task_segment(plan, task))
            throw Error(ErrorCode::usage, "cli",
                        "the plan changed since \"" + path.string() + "\" was written (segment " +
                            std::to_string(*stale) + " is not the one task " + std::to_string(task.index) +
                            " was to render)",
                        again);
        if (std::any_of(task.segments.begin(), task.segments.end(),
                        [&](int n) { return !plan.segments[std::size_t(n)].cached; }))
            missing.push_back(task.index);
    }
    return missing;
}

/// A job name Kubernetes and Slurm take: "reel-<project>-<6 hex>", the project's name in
/// lower-case letters, digits and dashes, the hex from the tasks submitted (so that a
/// resubmission is a new Job, as Kubernetes needs: a finished Job cannot be applied again).
std::string farm_job_name(const std::string& project, const TaskFile& file, const std::vector<int>& array)
{
    std::string stem;
    for (char c : std::filesystem::path(project).stem().string()) {
        char l = char(std::tolower(static_cast<unsigned char>(c)));
        bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
        if (ok)
            stem += l;
        else if (!stem.empty() && stem.back() != '-')
            stem += '-';
    }
    while (!stem.empty() && stem.back() == '-') stem.pop_back();
    stem = stem.substr(0, 20);
    while (!stem.empty() && stem.back() == '-') stem.pop_back();
    std::string id = file.project;
    for (int i : array) {
        id += "/" + std::to_string(i);
        for (const auto& k : file.tasks[std::size_t(i)].keys) id += ":" + k;
    }
    return "reel-" + (stem.empty() ? std::string("job") : stem) + "-" + sha256_hex(id).substr(0, 6);
}

/// `--emit slurm|k8s`: the script or YAML at -o, the task file next to it; with --submit,
/// the script run.
nlohmann::json emit_farm_job(const PlanCommand& opts, const Plan& plan,
                             const std::filesystem::path& cache_dir)
{
    namespace fs = std::filesystem;
    fs::path script = fs::absolute(opts.common.output);
    fs::path tasks_path = tasks_file_for(opts.common.output);
    FarmJob job;
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    job.reel = ec ? std::string("reel") : self.string();
    job.project = fs::absolute(opts.project).string();
    job.cache_dir = fs::absolute(cache_dir).string();
    job.tasks_file = tasks_path.string();
    job.output = fs::absolute(opts.join_output.empty() ? fs::path(opts.project).stem().string() + ".mp4"
                                                       : opts.join_output)
                     .string();
    job.plan_args = {"--segment-seconds", format_number(opts.segment_seconds)};
    if (!opts.fps.empty()) job.plan_args.insert(job.plan_args.end(), {"--fps", opts.fps});
    job.max_parallel = opts.max_parallel;
    job.log_dir = (script.parent_path() / (script.stem().string() + "-logs")).string();
    job.image = opts.image;
    job.claim = opts.claim;
    job.mount = fs::path(job.cache_dir).parent_path().string();

    TaskFile file;
    std::vector<int> array;
    if (opts.only_missing) {
        file = read_task_file(tasks_path);
        array = missing_tasks(opts, plan, file, tasks_path, cache_dir);
    } else {
        std::vector<Segment> dirty;
        for (const auto& s : plan.segments)
            if (!s.cached) dirty.push_back(s);
        TaskOptions to;
        to.tasks = opts.tasks;
        to.task_seconds = opts.task_seconds;
        file.project = job.project;
        file.cache_dir = job.cache_dir;
        file.segment_seconds = format_number(opts.segment_seconds);
        file.fps = opts.fps;
        file.segments = int(plan.segments.size());
        file.tasks = balance_tasks(plan, dirty, to);
        for (const auto& t : file.tasks) array.push_back(t.index);
        write_file_atomic(tasks_path, task_file_to_json(file).dump(2) + "\n",
                          opts.common.overwrite ? Overwrite::replace : Overwrite::refuse);
    }
    job.array = array;
    job.name = farm_job_name(opts.project, file, array);
    std::string text = opts.emit == "slurm" ? slurm_script(job) : k8s_yaml(job);
    write_output(opts.common, text);
    if (opts.emit == "slurm")
        fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                        fs::perm_options::add, ec);
    double balance = cost_balance(file.tasks);
    if (!opts.common.quiet) {
        std::cerr << "reel plan: " << plan.segments.size() << " segments, " << array.size()
                  << (opts.only_missing ? " unfinished tasks of " + std::to_string(file.tasks.size())
                                        : " tasks (estimated max/mean " +
                                              format_number(std::round(balance * 100) / 100) + ")")
                  << " -> " << opts.common.output << ", " << tasks_path.string() << "\n";
    }
    nlohmann::json stats = stats_document("plan");
    stats["frames"] = plan.frames;
    stats["segments"] = plan.segments.size();
    stats["sources_probed"] = plan.sources.size();
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto& t : file.tasks)
        tasks.push_back({{"task", t.index},
                         {"segments", t.segments},
                         {"estimated_seconds", cost_seconds(t.cost)},
                         {"submitted", std::find(array.begin(), array.end(), t.index) != array.end()}});
    stats["farm"] = {
        {"scheduler", opts.emit}, {"script", script.string()}, {"tasks_file", tasks_path.string()},
        {"tasks", tasks},         {"cost_balance", balance},   {"submitted", false}};
    if (opts.submit) {
        if (!opts.common.quiet) std::cerr << "reel plan: submitting " << script.string() << "\n";
        std::string command = "/bin/sh " + shell_quote(script.string());
        int status = std::system(command.c_str());
        if (status != 0)
            throw Error(ErrorCode::io, "cli",
                        "submitting \"" + script.string() + "\" failed (sbatch said why above)",
                        "check that sbatch works here (sinfo), then run the script again");
        stats["farm"]["submitted"] = true;
    }
    return stats;
}

nlohmann::json run_plan(const PlanCommand& opts)
{
    check_plan_flags(opts);
    std::vector<std::string> otio_warnings;
    Project project = open_plan_project(opts, otio_warnings);
    bool plan_to_stdout = opts.common.output.empty() || opts.common.output == "-";
    if (!opts.dump.empty() && !opts.common.quiet)
        std::cerr << "reel plan: reel timeline -> " << opts.dump << "\n";
    const Timeline& tl = project.timeline;
    const SourceTable& sources = project.sources;
    double parse_seconds = project.parse_seconds, probe_seconds = project.probe_seconds;
    Stopwatch stage;
    PlanOptions po;
    if (auto seconds = Rational::parse(std::to_string(opts.segment_seconds)))
        po.max_segment_seconds = *seconds;
    Plan plan = make_plan(tl, sources, po);
    plan.warnings.insert(plan.warnings.begin(), otio_warnings.begin(), otio_warnings.end());
    if (opts.strict) fail_on_warnings(plan.warnings, "plan");
    // Cached or dirty: the key reel render would look up, with the timeline's settings.
    EncoderSettings settings = encoder_settings(tl, RenderOptions{});
    std::filesystem::path cache_dir =
        opts.cache_dir.empty() ? SegmentCache::default_dir() : std::filesystem::path(opts.cache_dir);
    for (auto& seg : plan.segments) {
        seg.key = segment_key(seg, settings);
        seg.cached = SegmentCache::holds(cache_dir, seg.key);
    }
    mark_proxies(plan, project, cache_dir, opts.proxy_height);
    double plan_seconds = stage.seconds();
    if (emits_farm(opts)) {
        nlohmann::json stats = emit_farm_job(opts, plan, cache_dir);
        stats["stages"] = {{"parse_seconds", parse_seconds},
                           {"probe_seconds", probe_seconds},
                           {"plan_seconds", plan_seconds}};
        return stats;
    }
    std::string text = opts.emit == "otio"     ? otio_text(opts, project)
                       : opts.format == "text" ? plan_to_text(plan)
                                               : plan_to_json(plan).dump(2) + "\n";
    write_output(opts.common, text);
    if (!opts.common.quiet && !plan_to_stdout && opts.emit == "otio")
        std::cerr << "reel plan: OpenTimelineIO -> " << opts.common.output << "\n";
    else if (!opts.common.quiet && !plan_to_stdout)
        std::cerr << "reel plan: " << plan.frames << " frames, " << plan.segments.size() << " segments, "
                  << plan.sources.size() << " sources -> " << opts.common.output << "\n";
    if (opts.common.verbose > 0 && !opts.common.quiet)
        std::cerr << "reel plan: parse " << parse_seconds << " s, probe " << sources.size() << " sources "
                  << probe_seconds << " s, plan " << plan_seconds << " s\n";
    for (std::size_t i = otio_warnings.size(); i < plan.warnings.size(); ++i)
        if (!opts.common.quiet) std::cerr << "reel plan: warning: " << plan.warnings[i] << "\n";
    nlohmann::json stats = stats_document("plan");
    stats["frames"] = plan.frames;
    stats["segments"] = plan.segments.size();
    stats["sources_probed"] = sources.size();
    stats["stages"] = {
        {"parse_seconds", parse_seconds}, {"probe_seconds", probe_seconds}, {"plan_seconds", plan_seconds}};
    return stats;
}

}  // namespace

void register_plan(CLI::App& app)
{
    static PlanCommand opts;
    CLI::App* cmd =
        app.add_subcommand("plan", "Parse, validate and analyse a timeline; print the plan (no pixels)");
    cmd->add_option("project", opts.project, "Timeline file (.json, or OpenTimelineIO .otio)")
        ->required()
        ->option_text("PROJECT");
    add_output_flags(*cmd, opts.common, "the plan");
    cmd->add_option("--format", opts.format, "Plan format: json (default) or text (a table for people)")
        ->check(CLI::IsMember({"json", "text"}))
        ->option_text("json|text");
    cmd->add_option("--segment-seconds", opts.segment_seconds,
                    "Longest segment, in seconds (default 5); segments are also cut where the layers change")
        ->check(finite_range(0.1, 3600.0))
        ->option_text("S");
    cmd->add_option("--emit", opts.emit,
                    "What to write to -o (or stdout): plan (the default), or otio: the resolved timeline "
                    "as OpenTimelineIO, for editors and OTIO tools")
        ->check(CLI::IsMember({"plan", "otio", "slurm", "k8s"}))
        ->option_text("plan|otio|slurm|k8s");
    cmd->add_option("--tasks", opts.tasks,
                    "Farm job: cut the dirty segments into N tasks of about equal estimated cost")
        ->check(CLI::Range(1, 1000000))
        ->option_text("N");
    cmd->add_option("--task-seconds", opts.task_seconds,
                    "Farm job: as many tasks as make each about S seconds of estimated work (default 60)")
        ->check(finite_range(0.001, 1e9))
        ->option_text("S");
    cmd->add_option("--max-parallel", opts.max_parallel,
                    "Farm job: run at most K tasks at once (Slurm --array ...%K, Kubernetes parallelism)")
        ->check(CLI::Range(1, 1000000))
        ->option_text("K");
    cmd->add_option("--join-output", opts.join_output,
                    "Farm job: the video the join writes (default: the project's name .mp4, here)")
        ->option_text("FILE");
    cmd->add_flag("--only-missing", opts.only_missing,
                  "Farm job: submit again only the tasks of -o FILE.tasks.json whose segments are not in the "
                  "cache, and the join");
    cmd->add_flag("--submit", opts.submit, "With --emit slurm: run the script (sbatch) once written");
    cmd->add_option("--image", opts.image,
                    "With --emit k8s: the container image with reel (default reel:latest)")
        ->option_text("IMAGE");
    cmd->add_option(
           "--claim", opts.claim,
           "With --emit k8s: the PersistentVolumeClaim holding the project, media and cache, mounted "
           "at the cache folder's parent (default reel-shared)")
        ->option_text("NAME");
    cmd->add_option("--dump", opts.dump,
                    "Also write the timeline as reel JSON to FILE (an .otio converted); -y replaces FILE")
        ->option_text("FILE");
    cmd->add_option("--media-root", opts.media_root,
                    "OTIO input: resolve relative media paths under DIR, and look there for missing "
                    "absolute ones")
        ->option_text("DIR");
    cmd->add_option(
           "--cache-dir", opts.cache_dir,
           "Mark each segment cached or dirty against this segment cache (default: $XDG_CACHE_HOME/reel, "
           "else ~/.cache/reel)")
        ->option_text("DIR");
    cmd->add_option("--proxy-height", opts.proxy_height,
                    "Report each source's proxy at this height (default 720): current, stale, missing")
        ->check(CLI::Range(16, 4320))
        ->option_text("N");
    add_fps_strict_flags(*cmd, opts.fps, opts.strict);
    add_log_flags(*cmd, opts.common);
    add_stats_flag(*cmd, opts.common);
    set_runner(*cmd, "plan", opts.common, [&]() -> nlohmann::json { return run_plan(opts); });
}

}  // namespace reel::cli
