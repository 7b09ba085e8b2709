// SPDX-License-Identifier: Apache-2.0
#pragma once

// The live preview's HTTP server (cpp-httplib, the only user of the HTTP library): the
// player page, the plan, server-sent events, each ready segment, and the playhead. Its
// routes are fixed patterns; no part of a request ever names a file (the page is compiled
// in, segments are looked up by key in memory), so `..`, encoded slashes and absolute
// paths simply match nothing: 404.

#include "preview/session.h"

#include <memory>
#include <string>
#include <thread>

namespace reel {

struct PreviewServerOptions {
    std::string bind = "127.0.0.1";  ///< the address to listen on
    int port = 0;                    ///< 0: any free port
};

/// Routes:
/// - `GET /`: the player page (HTML and JavaScript, no other file);
/// - `GET /state`: PreviewSession::state() as JSON;
/// - `GET /events`: server-sent events: {"type": "state"} first, then each event;
/// - `GET /segment/<64 hex>.mp4`: a ready segment's fragmented MP4 (immutable: keyed);
/// - `POST /playhead?t=SECONDS`: the player's position (204), 400 for a bad number.
/// Anything else: 404. While bound to a loopback address, a request whose Host header
/// names another host is refused (403): a web page elsewhere cannot reach the preview
/// through DNS rebinding.
class PreviewServer {
public:
    PreviewServer(PreviewSession& session, PreviewServerOptions options);
    ~PreviewServer();
    PreviewServer(const PreviewServer&) = delete;
    PreviewServer& operator=(const PreviewServer&) = delete;

    /// Binds and starts serving on a thread of its own; returns the port. Throws
    /// Error(usage) naming the address and port when it cannot bind.
    int start();
    void stop();
    /// "http://127.0.0.1:PORT/"
    std::string url() const;

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

/// Whether an address is a loopback one (127.0.0.0/8, ::1, localhost).
bool is_loopback_address(const std::string& address);

}  // namespace reel
