// SPDX-License-Identifier: Apache-2.0
#include "ff/hw.h"

#include "ff/ff.h"

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/hwcontext.h>
#include <libavutil/log.h>
}

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <mutex>

namespace reel::ff {
namespace {

thread_local LogCapture* t_capture = nullptr;

void log_callback(void* avcl, int level, const char* fmt, va_list vl)
{
    if (!t_capture || level > AV_LOG_WARNING) {
        av_log_default_callback(avcl, level, fmt, vl);
        return;
    }
    char line[1024];
    std::vsnprintf(line, sizeof line, fmt, vl);
    t_capture->add(line);
}

}  // namespace

void BufferDeleter::operator()(AVBufferRef* buffer) const noexcept
{
    av_buffer_unref(&buffer);
}

LogCapture::LogCapture() : m_outer(t_capture)
{
    static std::once_flag installed;
    std::call_once(installed, [] { av_log_set_callback(log_callback); });
    t_capture = this;
}

LogCapture::~LogCapture()
{
    t_capture = m_outer;
}

void LogCapture::add(const std::string& line)
{
    std::string text = line;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '.'))
        text.pop_back();
    if (text.empty() || m_text.find(text) != std::string::npos) return;
    m_text += (m_text.empty() ? "" : "; ") + text;
}

std::string library_missing(const char* name)
{
    void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (handle) {
        dlclose(handle);
        return {};
    }
    const char* why = dlerror();
    return why ? why : name;
}

std::string first_render_node()
{
    for (int n = 128; n < 192; ++n) {
        std::string node = "/dev/dri/renderD" + std::to_string(n);
        std::error_code ec;
        if (std::filesystem::exists(node, ec)) return node;
    }
    return {};
}

BufferPtr open_hw_device(const char* type, const std::string& device, std::string& why)
{
    AVHWDeviceType kind = av_hwdevice_find_type_by_name(type);
    if (kind == AV_HWDEVICE_TYPE_NONE) {
        why = std::string("this FFmpeg has no ") + type + " hardware device support";
        return nullptr;
    }
    LogCapture log;
    AVBufferRef* made = nullptr;
    int ret = av_hwdevice_ctx_create(&made, kind, device.empty() ? nullptr : device.c_str(), nullptr, 0);
    if (ret < 0) {
        why = (log.text().empty() ? "" : log.text() + " ") + "(" + error_string(ret) + ")";
        return nullptr;
    }
    return BufferPtr(made);
}

}  // namespace reel::ff
