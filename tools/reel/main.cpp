// SPDX-License-Identifier: Apache-2.0
// reel: render video-editing timelines. Builds the command line and holds the one catch.
#include "common.h"

#include "ff/ff.h"
#include "util/error.h"

#include <csignal>
#include <cstdlib>
#include <iostream>

namespace {

extern "C" void on_signal(int sig)
{
    if (reel::cli::cancel_flag().exchange(true)) {
        std::signal(sig, SIG_DFL);
        std::raise(sig);
    }
}

}  // namespace

int main(int argc, char** argv)
{
    using namespace reel;
    CLI::App app{"reel: render video-editing timelines (JSON in, MP4 out)", "reel"};
    app.set_version_flag("--version", std::string("reel ") + REEL_VERSION);
    app.require_subcommand(1);
    app.fallthrough(false);
    cli::register_plan(app);
    cli::register_render(app);
    cli::register_segment(app);
    cli::register_composite(app);
    cli::register_bench(app);
    cli::register_proxy(app);
    cli::register_preview(app);
    ff::set_log_level(AV_LOG_QUIET);
    setenv("SVT_LOG", "1", 0);  // SVT-AV1: errors only, no banner
    // SIGINT/SIGTERM ask running work to stop cleanly (temporary files removed); a second
    // signal ends the process at once. SIGXFSZ is ignored so that a file-size limit shows
    // up as a write error with a message instead of killing reel.
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGXFSZ, SIG_IGN);
    // A reader that goes away (reel segment --stream | head) is a write error, not a kill.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string where = "reel";
        for (const CLI::App* sub : app.get_subcommands()) where += " " + sub->get_name();
        std::cerr << where << ": error: " << e.what() << "\n"
                  << "run '" << where << " --help' for usage\n";
        return exit_status(ErrorCode::usage);
    } catch (const std::exception& e) {
        std::cerr << "reel: internal error: " << e.what() << "\n";
        return exit_status(ErrorCode::internal);
    }
    return cli::exit_code();
}
