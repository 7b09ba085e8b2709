// SPDX-License-Identifier: Apache-2.0
#include "media/hwdecode.h"

#include "media/detail/hw_device.h"

#include "util/error.h"

#include <map>
#include <mutex>

namespace reel {
namespace {

std::mutex g_mutex;
std::map<HwDecode, std::shared_ptr<HwDevice>> g_devices;
std::map<HwDecode, std::string> g_why;

/// Opens (once) the device of a kind; sets `why` when it cannot.
std::shared_ptr<HwDevice> open_locked(HwDecode kind, std::string& why)
{
    if (auto it = g_devices.find(kind); it != g_devices.end()) return it->second;
    if (auto it = g_why.find(kind); it != g_why.end()) {
        why = it->second;
        return nullptr;
    }
    std::string node;
    if (kind == HwDecode::cuda) {
        if (std::string missing = ff::library_missing("libcuda.so.1"); !missing.empty())
            why = "CUDA driver not loaded: " + missing;
    } else {
        node = ff::first_render_node();
        if (node.empty()) why = "no DRM render node (/dev/dri/renderD*)";
        if (kind == HwDecode::qsv) node.clear();  // FFmpeg finds the Intel node itself
    }
    std::shared_ptr<HwDevice> device;
    if (why.empty()) {
        ff::BufferPtr opened = ff::open_hw_device(to_string(kind), node, why);
        if (opened) device = std::make_shared<HwDevice>(HwDevice{std::move(opened), kind});
    }
    if (device)
        g_devices[kind] = device;
    else
        g_why[kind] = why;
    return device;
}

}  // namespace

const char* to_string(HwDecode device)
{
    switch (device) {
        case HwDecode::none: return "none";
        case HwDecode::cuda: return "cuda";
        case HwDecode::vaapi: return "vaapi";
        case HwDecode::qsv: return "qsv";
    }
    return "none";
}

const std::vector<std::string>& hwdecode_requests()
{
    static const std::vector<std::string> names = {"auto", "none", "cuda", "vaapi", "qsv"};
    return names;
}

std::string hwdecode_unavailable(HwDecode device)
{
    if (device == HwDecode::none) return {};
    std::lock_guard lock(g_mutex);
    std::string why;
    open_locked(device, why);
    return why;
}

HwDecodeChoice choose_hwdecode(const std::string& requested, const std::string& by)
{
    HwDecodeChoice c;
    c.requested = requested;
    c.by = by;
    if (requested == "none") {
        c.why = by == "default" ? "the default: decoding in software" : "--hwdecode none";
        return c;
    }
    if (requested == "auto") {
        std::string tried;
        for (HwDecode d : {HwDecode::cuda, HwDecode::vaapi, HwDecode::qsv}) {
            std::string why = hwdecode_unavailable(d);
            if (why.empty()) {
                c.device = d;
                c.why = std::string("auto: ") + to_string(d) +
                        " is the first hardware decoder that opens here" +
                        (tried.empty() ? "" : "; " + tried);
                return c;
            }
            tried += (tried.empty() ? "" : "; ") + std::string(to_string(d)) + ": " + why;
        }
        c.why = "auto: no hardware decoder opens here, so software; " + tried;
        return c;
    }
    HwDecode device = HwDecode::none;
    for (HwDecode d : {HwDecode::cuda, HwDecode::vaapi, HwDecode::qsv})
        if (requested == to_string(d)) device = d;
    if (device == HwDecode::none)
        throw Error(ErrorCode::usage, "decode", "unknown hardware decoder \"" + requested + "\"",
                    "--hwdecode takes auto, none, cuda, vaapi or qsv");
    if (std::string why = hwdecode_unavailable(device); !why.empty())
        throw Error(
            ErrorCode::decode, "decode",
            "hardware decoder \"" + requested + "\" (--hwdecode " + requested + ") cannot run here: " + why,
            "use --hwdecode none (software), or --hwdecode auto to take what this machine has");
    c.device = device;
    c.why = requested + " asked for by --hwdecode " + requested;
    return c;
}

std::shared_ptr<HwDevice> hwdecode_device(HwDecode device)
{
    if (device == HwDecode::none) return nullptr;
    std::lock_guard lock(g_mutex);
    std::string why;
    std::shared_ptr<HwDevice> d = open_locked(device, why);
    if (!d)
        throw Error(ErrorCode::decode, "decode",
                    std::string("cannot open the ") + to_string(device) + " decoding device: " + why,
                    "use --hwdecode none");
    return d;
}

}  // namespace reel
