// SPDX-License-Identifier: Apache-2.0
#include "farm/emit.h"

#include <algorithm>
#include <sstream>

namespace reel {
namespace {

std::string joined(const std::vector<std::string>& words)
{
    std::string s;
    for (const auto& w : words) s += (s.empty() ? "" : " ") + shell_quote(w);
    return s;
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
std::string yq(const std::string& s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string yaml_list(const std::vector<std::string>& words)
{
    std::string s = "[";
    for (std::size_t i = 0; i < words.size(); ++i) s += (i ? ", " : "") + yq(words[i]);
    return s + "]";
}

}  // namespace

std::string shell_quote(const std::string& word)
{
    if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                "0123456789_-./=:,+@%") == std::string::npos)
        return word;
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::vector<std::string> task_command(const FarmJob& job)
{
    std::vector<std::string> c{job.reel, "segment", job.project, "--cache-dir", job.cache_dir};
    c.insert(c.end(), job.plan_args.begin(), job.plan_args.end());
    c.insert(c.end(), {"--tasks-file", job.tasks_file, "--task", "env", "--progress", "none"});
    return c;
}

std::vector<std::string> join_command(const FarmJob& job)
{
    std::vector<std::string> c{job.reel, "render", job.project, "--cache-dir", job.cache_dir};
    c.insert(c.end(), job.plan_args.begin(), job.plan_args.end());
    c.insert(c.end(), {"--join", "--progress", "none", "-y", "-o", job.output});
    return c;
}

std::string slurm_array_spec(const std::vector<int>& indices, int max_parallel)
{
    std::vector<int> v = indices;
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    std::string s;
    for (std::size_t i = 0; i < v.size();) {
        std::size_t j = i;
        while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
        s += (s.empty() ? "" : ",") + std::to_string(v[i]);
        if (j > i) s += "-" + std::to_string(v[j]);
        i = j + 1;
    }
    if (max_parallel > 0) s += "%" + std::to_string(max_parallel);
    return s;
}

std::string slurm_script(const FarmJob& job)
{
    std::ostringstream o;
    std::string logs = shell_quote(job.log_dir);
    o << "#!/bin/sh\n"
      << "# A reel render farm job, written by 'reel plan --emit slurm'. Run it to submit:\n"
      << "# an array of " << job.array.size()
      << " segment tasks (each reads SLURM_ARRAY_TASK_ID) and a join\n"
      << "# that waits for all of them (afterok) and composites " << job.output << ".\n"
      << "# A failed task cancels the join (--kill-on-invalid-dep); rerun just the missing tasks with\n"
      << "# 'reel plan --emit slurm --only-missing' (same flags).\n"
      << "set -eu\n"
      << "mkdir -p " << logs << "\n";
    std::string dependency;
    if (!job.array.empty()) {
        o << "array=$(sbatch --parsable --job-name=" << shell_quote(job.name + "-segments")
          << " --array=" << slurm_array_spec(job.array, job.max_parallel) << " --output=" << logs
          << "/segment-%A_%a.out <<'REEL_TASK'\n"
          << "#!/bin/sh\n"
          << "exec " << joined(task_command(job)) << "\n"
          << "REEL_TASK\n"
          << ")\n"
          << "array=${array%%;*}\n";
        dependency = " --dependency=afterok:$array --kill-on-invalid-dep=yes";
    }
    o << "join=$(sbatch --parsable --job-name=" << shell_quote(job.name + "-join") << dependency
      << " --output=" << logs << "/join-%j.out <<'REEL_JOIN'\n"
      << "#!/bin/sh\n"
      << "exec " << joined(join_command(job)) << "\n"
      << "REEL_JOIN\n"
      << ")\n"
      << "join=${join%%;*}\n";
    if (!job.array.empty())
        o << "echo \"reel: segments job $array (" << job.array.size() << " tasks), join job $join\"\n";
    else
        o << "echo \"reel: no segment to render; join job $join\"\n";
    return o.str();
}

std::string k8s_yaml(const FarmJob& job)
{
    std::ostringstream o;
    std::string segments = job.name + "-segments", join = job.name + "-join", account = job.name + "-farm";
    std::string volume =
        "      volumes:\n        - name: shared\n          persistentVolumeClaim:\n"
        "            claimName: " +
        yq(job.claim) + "\n";
    std::string mounts =
        "          volumeMounts:\n            - name: shared\n              mountPath: " + yq(job.mount) +
        "\n";
    o << "# A reel render farm job, written by 'reel plan --emit k8s'. kubectl apply -f it.\n"
      << "# " << job.array.size()
      << " segment tasks as an Indexed Job (each pod reads JOB_COMPLETION_INDEX),\n"
      << "# then a join Job that waits for it to complete and composites " << job.output << ".\n";
    if (!job.array.empty()) {
        // The task file's indices are 0..n-1; a resubmission (--only-missing) runs a subset,
        // so the pods map their completion index through REEL_TASKS.
        std::string list;
        for (int i : job.array) list += (list.empty() ? "" : " ") + std::to_string(i);
        o << "apiVersion: batch/v1\n"
          << "kind: Job\n"
          << "metadata:\n  name: " << yq(segments) << "\n  labels:\n    app.kubernetes.io/part-of: reel\n"
          << "spec:\n"
          << "  completionMode: Indexed\n"
          << "  completions: " << job.array.size() << "\n"
          << "  parallelism: "
          << (job.max_parallel > 0 ? std::min<int>(job.max_parallel, int(job.array.size()))
                                   : int(job.array.size()))
          << "\n"
          << "  backoffLimitPerIndex: " << job.backoff_per_index << "\n"
          << "  template:\n"
          << "    spec:\n"
          << "      restartPolicy: Never\n"
          << "      containers:\n"
          << "        - name: segment\n"
          << "          image: " << yq(job.image) << "\n"
          << "          command: [\"/bin/sh\", \"-c\", "
          << yq("set -- " + list + "; shift \"$JOB_COMPLETION_INDEX\"; JOB_COMPLETION_INDEX=$1 exec " +
                joined(task_command(job)))
          << "]\n"
          << mounts << volume << "---\n";
    }
    o << "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: " << yq(account) << "\n---\n"
      << "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: " << yq(account) << "\n"
      << "rules:\n  - apiGroups: [\"batch\"]\n    resources: [\"jobs\"]\n    verbs: [\"get\", \"list\", "
         "\"watch\"]\n"
      << "---\n"
      << "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: " << yq(account)
      << "\n"
      << "subjects:\n  - kind: ServiceAccount\n    name: " << yq(account) << "\n"
      << "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: " << yq(account)
      << "\n---\n";
    o << "apiVersion: batch/v1\n"
      << "kind: Job\n"
      << "metadata:\n  name: " << yq(join) << "\n  labels:\n    app.kubernetes.io/part-of: reel\n"
      << "spec:\n"
      << "  backoffLimit: 0\n"
      << "  template:\n"
      << "    spec:\n"
      << "      restartPolicy: Never\n"
      << "      serviceAccountName: " << yq(account) << "\n";
    if (!job.array.empty())
        o << "      initContainers:\n"
          << "        - name: wait-for-segments\n"
          << "          image: " << yq(job.kubectl_image) << "\n"
          << "          command: [\"/bin/sh\", \"-c\", "
          << yq("while :; do s=$(kubectl get job " + segments +
                " -o jsonpath='{range .status.conditions[?(@.status==\"True\")]}{.type} {end}'); "
                "case \" $s\" in *' Complete '*) exit 0;; *' Failed '*) echo 'segments job failed' >&2; "
                "exit 1;; esac; sleep 5; done")
          << "]\n";
    o << "      containers:\n"
      << "        - name: join\n"
      << "          image: " << yq(job.image) << "\n"
      << "          command: " << yaml_list(join_command(job)) << "\n"
      << mounts << volume;
    return o.str();
}

}  // namespace reel
