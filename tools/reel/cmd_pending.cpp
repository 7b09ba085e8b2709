// SPDX-License-Identifier: Apache-2.0
// Subcommands of the documented contract that this build does not provide yet. Each has
// its --help and exits with status 8 (unavailable) when run, never pretending to work.
#include "common.h"

#include "util/error.h"

#include <vector>

namespace reel::cli {

void register_pending(CLI::App& app)
{
    struct Pending {
        const char* name;
        const char* summary;
    };
    static const std::vector<Pending> pending = {
        {"proxy", "Make low-resolution proxies of every source (not available in this build yet)"},
    };
    static std::vector<CommonOptions> opts(pending.size());
    static std::vector<std::vector<std::string>> args(pending.size());
    for (std::size_t i = 0; i < pending.size(); ++i) {
        CLI::App* cmd = app.add_subcommand(pending[i].name, pending[i].summary);
        cmd->allow_extras();
        add_stats_flag(*cmd, opts[i]);
        std::string name = pending[i].name;
        set_runner(*cmd, name, opts[i], [name]() -> nlohmann::json {
            throw Error(ErrorCode::unavailable, "cli",
                        "'reel " + name + "' is not available in this build yet",
                        "'reel plan' works today; see reel(1) for what each command will do");
        });
    }
}

}  // namespace reel::cli
