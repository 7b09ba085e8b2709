// SPDX-License-Identifier: Apache-2.0
#pragma once

// Scheduler emitters: a farm job (an array of segment tasks and a dependent join) as a
// Slurm submission script or as Kubernetes Jobs. Text only; nothing is submitted here.

#include <string>
#include <vector>

namespace reel {

/// What both emitters need. Paths are absolute: tasks run elsewhere, in other folders.
struct FarmJob {
    std::string name = "reel";           ///< job name prefix
    std::string reel;                    ///< the reel executable (or image's command) to run
    std::string project;                 ///< the timeline
    std::string cache_dir;               ///< the shared segment cache
    std::string tasks_file;              ///< the task file the tasks read
    std::string output;                  ///< what the join writes
    std::vector<std::string> plan_args;  ///< flags that shape the plan (--segment-seconds S, --fps R)
    std::vector<int> array;              ///< the task indices to run (all, or the missing ones)
    int max_parallel = 0;                ///< tasks at once; 0: no limit
    std::string log_dir;                 ///< Slurm: where the jobs' output goes
    // Kubernetes
    std::string image = "reel:latest";
    std::string claim = "reel-shared";  ///< PersistentVolumeClaim holding project, media, cache
    std::string mount;                  ///< where it is mounted (the same path in every pod)
    std::string kubectl_image = "bitnami/kubectl:1.29";
    int backoff_per_index = 2;
};

/// The argument vector of a task: reel segment P --cache-dir D <plan_args> --tasks-file F --task env.
std::vector<std::string> task_command(const FarmJob& job);
/// The join's: reel render P --cache-dir D <plan_args> --join -y -o OUT.
std::vector<std::string> join_command(const FarmJob& job);

/// A POSIX shell word: as is when safe, else single-quoted.
std::string shell_quote(const std::string& word);

/// Slurm's array spec for `indices`: "0-3", "1,4,7", with "%K" when K limits them.
std::string slurm_array_spec(const std::vector<int>& indices, int max_parallel);

/// A POSIX sh script that submits the array (sbatch --array, the task reading
/// SLURM_ARRAY_TASK_ID) and then the join with --dependency=afterok on it and
/// --kill-on-invalid-dep=yes, printing both job ids. Without tasks, only the join.
std::string slurm_script(const FarmJob& job);

/// YAML: an Indexed Job (completionMode Indexed, one completion per task, its pods reading
/// JOB_COMPLETION_INDEX, backoffLimitPerIndex), then a join Job whose init container waits
/// for the first to complete (and fails when it fails), with the ServiceAccount, Role and
/// RoleBinding that lets it read Jobs.
std::string k8s_yaml(const FarmJob& job);

}  // namespace reel
