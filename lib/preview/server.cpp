// SPDX-License-Identifier: Apache-2.0
#include "preview/server.h"

#include "util/error.h"

#include "preview_page.h"  // generated from player.html: kPlayerPage

#include <httplib.h>

#include <cmath>
#include <cstdlib>

namespace reel {

bool is_loopback_address(const std::string& address)
{
    return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

class PreviewServer::Impl {
public:
    Impl(PreviewSession& session, PreviewServerOptions options)
        : m_session(session), m_options(std::move(options))
    {
        m_loopback = is_loopback_address(m_options.bind);
        m_server.set_payload_max_length(4096);
        m_server.set_read_timeout(5, 0);
        m_server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            res.set_header("X-Content-Type-Options", "nosniff");
            res.set_header("Referrer-Policy", "no-referrer");
            if (m_loopback && !host_allowed(req.get_header_value("Host"))) {
                res.status = 403;
                res.set_content("forbidden host\n", "text/plain");
                return httplib::Server::HandlerResponse::Handled;
            }
            return httplib::Server::HandlerResponse::Unhandled;
        });
        m_server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
            if (res.body.empty())
                res.set_content(res.status == 404 ? "not found\n" : "bad request\n", "text/plain");
        });
        m_server.Get("/", [](const httplib::Request&, httplib::Response& res) {
            res.set_header("Cache-Control", "no-store");
            res.set_header("Content-Security-Policy",
                           "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                           "media-src 'self' blob:; connect-src 'self'");
            res.set_content(kPlayerPage, "text/html; charset=utf-8");
        });
        m_server.Get("/state", [this](const httplib::Request&, httplib::Response& res) {
            res.set_header("Cache-Control", "no-store");
            res.set_content(m_session.state().dump(), "application/json");
        });
        m_server.Get(R"(/segment/([0-9a-f]{64})\.mp4)",
                     [this](const httplib::Request& req, httplib::Response& res) {
                         std::shared_ptr<const std::string> blob = m_session.segment(req.matches[1]);
                         if (!blob) {
                             res.status = 404;
                             return;
                         }
                         res.set_header("Cache-Control", "max-age=31536000, immutable");
                         res.set_content(*blob, "video/mp4");
                     });
        m_server.Post("/playhead", [this](const httplib::Request& req, httplib::Response& res) {
            std::string text = req.get_param_value("t");
            char* end = nullptr;
            double t = text.empty() ? NAN : std::strtod(text.c_str(), &end);
            if (!std::isfinite(t) || t < 0 || t > 1e7 || (end && *end)) {
                res.status = 400;
                res.set_content("t must be seconds, a number from 0\n", "text/plain");
                return;
            }
            m_session.set_playhead(t);
            res.status = 204;
        });
        m_server.Get("/events", [this](const httplib::Request&, httplib::Response& res) {
            res.set_header("Cache-Control", "no-store");
            auto last = std::make_shared<std::int64_t>(-1);
            res.set_chunked_content_provider("text/event-stream", [this, last](std::size_t,
                                                                               httplib::DataSink& sink) {
                if (m_session.stopped()) return false;
                std::string out;
                if (*last < 0) {
                    nlohmann::json state = m_session.state();
                    *last = state.value("seq", std::int64_t(0));
                    out = "retry: 1000\ndata: " + nlohmann::json{{"type", "state"}, {"state", state}}.dump() +
                          "\n\n";
                } else {
                    auto events = m_session.events_after(*last, std::chrono::milliseconds(1000));
                    for (const auto& [seq, text] : events) {
                        out += "id: " + std::to_string(seq) + "\ndata: " + text + "\n\n";
                        *last = seq;
                    }
                    if (events.empty()) out = ": idle\n\n";  // finds a client that left
                }
                return sink.write(out.data(), out.size());
            });
        });
    }

    bool host_allowed(const std::string& host) const
    {
        std::string port = ":" + std::to_string(m_port);
        for (const char* name : {"127.0.0.1", "localhost", "[::1]"})
            if (host == name + port || host == name) return true;
        return false;
    }

    int start()
    {
        m_port = m_options.port > 0
                     ? (m_server.bind_to_port(m_options.bind, m_options.port) ? m_options.port : -1)
                     : m_server.bind_to_any_port(m_options.bind);
        if (m_port <= 0)
            throw Error(ErrorCode::usage, "preview",
                        "cannot listen on " + m_options.bind + ":" + std::to_string(m_options.port) +
                            " (in use, or not an address of this machine)",
                        "give another --port (or leave it out for any free one), or another --bind");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        return m_port;
    }

    void stop()
    {
        m_server.stop();
        if (m_thread.joinable()) m_thread.join();
    }

    std::string url() const
    {
        std::string host =
            m_options.bind.find(':') != std::string::npos ? "[" + m_options.bind + "]" : m_options.bind;
        return "http://" + host + ":" + std::to_string(m_port) + "/";
    }

private:
    PreviewSession& m_session;
    PreviewServerOptions m_options;
    bool m_loopback = true;
    int m_port = 0;
    httplib::Server m_server;
    std::thread m_thread;
};

PreviewServer::PreviewServer(PreviewSession& session, PreviewServerOptions options)
    : m_impl(std::make_unique<Impl>(session, std::move(options)))
{
}

PreviewServer::~PreviewServer()
{
    stop();
}

int PreviewServer::start()
{
    return m_impl->start();
}

void PreviewServer::stop()
{
    m_impl->stop();
}

std::string PreviewServer::url() const
{
    return m_impl->url();
}

}  // namespace reel
