// SPDX-License-Identifier: Apache-2.0
//
// libvpl-reel-test.so: a oneVPL 2.x runtime for tests. The real oneVPL dispatcher (libvpl.so.2)
// loads it from ONEVPL_SEARCH_PATH as it would Intel's GPU runtime, and it encodes H.264 by handing
// NV12 system-memory surfaces to libx264 through libavcodec. It needs no Intel hardware.
//
// What the dispatcher (oneVPL 2023.1: dispatcher/vpl/mfx_dispatcher_vpl_loader.cpp and
// dispatcher/linux/mfxloader.cpp) asks of a runtime:
// - a file whose name starts with "libvpl", holds ".so" and does not hold "libvpl.so" (that is the
//   dispatcher itself);
// - the export MFXInitialize, which marks a 2.x runtime, MFXQueryImplsDescription and
//   MFXReleaseImplDescription; for an ApiVersion of 2.1 or more every other 2.x function too
//   (MFXMemory_*, MFXVideoDECODE_VPP_*, MFXVideoVPP_ProcessFrameAsync), or the runtime is dropped;
// - the 1.x functions (MFXInit ... MFXVideoCORE_QueryPlatform), looked up by name when
//   MFXCreateSession loads the runtime. The 2023.1 dispatcher calls MFXQueryVersion, MFXQueryIMPL
//   and MFXClose unchecked (without them it crashes); other versions of mfxloader.cpp refuse a
//   runtime that lacks any of them (MFX_ERR_UNSUPPORTED). So every function of mfxsession.h and
//   mfxvideo.h is exported here; what this runtime does not do returns MFX_ERR_UNSUPPORTED (or
//   MFX_ERR_NOT_INITIALIZED for a component never initialised).
// The dispatcher's session wraps this runtime's; every call reaches us with our own handle.
//
// What it does, as Intel's runtime does where the two can agree:
// - Impl MFX_IMPL_TYPE_HARDWARE, AccelerationMode MFX_ACCEL_MODE_VIA_VAAPI, VendorID 0x8086,
//   ImplName "reel test runtime (libx264)", one encoder: MFX_CODEC_AVC (High, Main, Baseline) from
//   NV12 system memory. No decoder, no VPP.
// - Query/Init refuse a codec other than H.264, a FourCC other than NV12, an IOPattern other than
//   MFX_IOPATTERN_IN_SYSTEM_MEMORY, interlace, EncodedOrder and a rate control other than CQP, ICQ,
//   VBR and CBR with MFX_ERR_UNSUPPORTED. Init returns MFX_ERR_INVALID_VIDEO_PARAM for inconsistent
//   values: a Width or Height of 0 or not a multiple of 16 (Intel's rule), an odd crop, a crop
//   outside the frame, no frame rate, a QP or quality outside 1..51, no bitrate. Query returns
//   MFX_ERR_UNSUPPORTED for those. Of the extension buffers given to Init only mfxExtVideoSignalInfo
//   counts: its range and colour description go into the SPS's VUI. Query ignores them all.
// - The picture is CropW x CropH at FrameRateExtN/FrameRateExtD, with a sample aspect ratio of
//   AspectRatioW:AspectRatioH when both are set. TargetUsage 1..7 picks the x264 preset slower,
//   slower, slow, medium, fast, faster, ultrafast (0: 4). CodecProfile High (0: High), Main,
//   Baseline or Constrained Baseline is the profile of the stream; Baseline with GopRefDist > 1 gets
//   GopRefDist 1 and MFX_WRN_INCOMPATIBLE_VIDEO_PARAM. CodecLevel (0: x264's choice), NumRefFrame
//   and NumSlice pass to x264 when set.
// - Rate control: CQP is x264 qp QPP with ipratio/pbratio set so that I frames get QPI and B frames
//   QPB; ICQ is crf ICQQuality; VBR is an average TargetKbps with a peak MaxKbps; CBR is TargetKbps
//   as both; kbps are multiplied by BRCParamMultiplier. The VBV buffer is BufferSizeInKB when set,
//   else one second at the peak.
// - GOP: an I frame every GopPicSize frames (0: 250) and never elsewhere (x264 scenecut=0);
//   GopRefDist - 1 B frames in a row between anchors (GopRefDist 0: 1, no B frames; x264
//   b-adapt=0 keeps the pattern fixed). IdrInterval 0: every I frame is an IDR frame. IdrInterval
//   N > 0: an IDR frame every N + 1 I frames, the others x264's open-GOP recovery-point I frames;
//   x264 makes those only in an open GOP with B frames, so with GopRefDist 1 or GopOptFlag
//   MFX_GOP_CLOSED IdrInterval becomes 0 (MFX_WRN_INCOMPATIBLE_VIDEO_PARAM). mfxEncodeCtrl.FrameType
//   with MFX_FRAMETYPE_I or MFX_FRAMETYPE_IDR forces an IDR frame.
// - EncodeFrameAsync copies the surface at once (the caller may reuse it when the call returns;
//   Data.Locked is never raised). x264 counts frames at the frame rate, so the SPS's timing info is
//   the frame rate; each frame's Data.TimeStamp (90 kHz) comes back unchanged as bs->TimeStamp, and
//   MFX_TIMESTAMP_UNKNOWN becomes the frame's place at the frame rate. A finished frame is appended,
//   Annex B, at bs->DataOffset + bs->DataLength, with TimeStamp, DecodeTimeStamp (the TimeStamp
//   without B frames; with them x264's dts, below the pts and negative at the start) and FrameType
//   (I|IDR|REF, I|REF, P|REF, B or B|REF, read from the slice header), and the call returns
//   MFX_ERR_NONE; otherwise MFX_ERR_MORE_DATA. A NULL surface drains, MFX_ERR_MORE_DATA once empty;
//   no surface is taken after a drain. Like Intel's runtime it wants BufferSizeInKB *
//   BRCParamMultiplier * 1000 bytes free in bs before it takes a surface, else
//   MFX_ERR_NOT_ENOUGH_BUFFER; GetVideoParam reports a BufferSizeInKB that holds any frame (the raw
//   frame and 64 KiB).
// - Every IDR frame carries its SPS and PPS in-band (00 00 00 01 start codes), as hardware runtimes
//   do; the first also x264's SEI. GetVideoParam fills mfxExtCodingOptionSPSPPS with the same SPS
//   and PPS, start codes included, and mfxExtVideoSignalInfo as Init had it.
// - SyncOperation returns at once: the frame was encoded in EncodeFrameAsync.

#define MFX_DEPRECATED_OFF
#include <vpl/mfximplcaps.h>
#include <vpl/mfxvideo.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/mathematics.h>
#include <libavutil/opt.h>
}

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

constexpr mfxU16 kDefaultGop = 250;

// --- the description the dispatcher filters on ---------------------------------------------

struct Description {
    mfxImplDescription impl{};  // the handle the dispatcher holds is &impl
    mfxHDL handles[1]{};
    mfxEncoderDescription::encoder codec{};
    mfxEncoderDescription::encoder::encprofile profiles[3]{};
    mfxEncoderDescription::encoder::encprofile::encmemdesc memory[3]{};
    mfxU32 color_formats[1]{MFX_FOURCC_NV12};
    mfxAccelerationMode modes[1]{MFX_ACCEL_MODE_VIA_VAAPI};
};

struct FunctionList {
    mfxImplementedFunctions functions{};  // the handle the dispatcher holds is &functions
    mfxHDL handles[1]{};
    std::vector<std::string> names;
    std::vector<mfxChar*> pointers;
};

// Descriptions handed out and not yet released (the dispatcher may hold several loaders).
std::mutex g_lock;
std::vector<std::unique_ptr<Description>> g_descriptions;
std::vector<std::unique_ptr<FunctionList>> g_function_lists;

std::unique_ptr<Description> make_description()
{
    auto d = std::make_unique<Description>();
    mfxImplDescription& impl = d->impl;
    impl.Version.Version = MFX_IMPLDESCRIPTION_VERSION;
    impl.Impl = MFX_IMPL_TYPE_HARDWARE;
    impl.AccelerationMode = MFX_ACCEL_MODE_VIA_VAAPI;
    impl.ApiVersion.Major = MFX_VERSION_MAJOR;
    impl.ApiVersion.Minor = MFX_VERSION_MINOR;
    std::snprintf(impl.ImplName, sizeof impl.ImplName, "%s", "reel test runtime (libx264)");
    std::snprintf(impl.License, sizeof impl.License, "%s", "Apache-2.0");
    std::snprintf(impl.Keywords, sizeof impl.Keywords, "%s", "reel,test,libx264");
    impl.VendorID = 0x8086;
    impl.VendorImplID = 0;

    impl.Dev.Version.Version = MFX_DEVICEDESCRIPTION_VERSION;
    impl.Dev.MediaAdapterType = MFX_MEDIA_INTEGRATED;
    std::snprintf(impl.Dev.DeviceID, sizeof impl.Dev.DeviceID, "%s", "0000/0");  // "DeviceID/adapter"

    impl.Dec.Version.Version = MFX_DECODERDESCRIPTION_VERSION;
    impl.VPP.Version.Version = MFX_VPPDESCRIPTION_VERSION;

    impl.Enc.Version.Version = MFX_ENCODERDESCRIPTION_VERSION;
    impl.Enc.NumCodecs = 1;
    impl.Enc.Codecs = &d->codec;
    d->codec.CodecID = MFX_CODEC_AVC;
    d->codec.MaxcodecLevel = MFX_LEVEL_AVC_52;
    d->codec.BiDirectionalPrediction = 1;
    d->codec.NumProfiles = 3;
    d->codec.Profiles = d->profiles;
    const mfxU32 profiles[3] = {MFX_PROFILE_AVC_HIGH, MFX_PROFILE_AVC_MAIN, MFX_PROFILE_AVC_BASELINE};
    for (int i = 0; i < 3; ++i) {
        d->profiles[i].Profile = profiles[i];
        d->profiles[i].NumMemTypes = 1;
        d->profiles[i].MemDesc = &d->memory[i];
        d->memory[i].MemHandleType = MFX_RESOURCE_SYSTEM_SURFACE;
        d->memory[i].Width = mfxRange32U{16, 8192, 16};
        d->memory[i].Height = mfxRange32U{16, 8192, 16};
        d->memory[i].NumColorFormats = 1;
        d->memory[i].ColorFormats = d->color_formats;
    }

    impl.AccelerationModeDescription.Version.Version = MFX_ACCELERATIONMODESCRIPTION_VERSION;
    impl.AccelerationModeDescription.NumAccelerationModes = 1;
    impl.AccelerationModeDescription.Mode = d->modes;
    impl.PoolPolicies.Version.Version = MFX_POOLPOLICYDESCRIPTION_VERSION;

    d->handles[0] = &d->impl;
    return d;
}

std::unique_ptr<FunctionList> make_function_list()
{
    auto f = std::make_unique<FunctionList>();
    f->names = {"MFXInitialize",
                "MFXClose",
                "MFXQueryIMPL",
                "MFXQueryVersion",
                "MFXQueryImplsDescription",
                "MFXReleaseImplDescription",
                "MFXVideoCORE_SetHandle",
                "MFXVideoCORE_GetHandle",
                "MFXVideoCORE_SyncOperation",
                "MFXVideoENCODE_Query",
                "MFXVideoENCODE_QueryIOSurf",
                "MFXVideoENCODE_Init",
                "MFXVideoENCODE_Close",
                "MFXVideoENCODE_GetVideoParam",
                "MFXVideoENCODE_EncodeFrameAsync"};
    for (std::string& name : f->names) f->pointers.push_back(name.data());
    f->functions.NumFunctions = mfxU16(f->pointers.size());
    f->functions.FunctionsName = f->pointers.data();
    f->handles[0] = &f->functions;
    return f;
}

// --- H.264 helpers ------------------------------------------------------------------------

struct NalUnit {
    const mfxU8* data;  // from the NAL header on, start code excluded
    std::size_t size;
};

// The NAL units of an Annex B buffer.
std::vector<NalUnit> nal_units(const mfxU8* data, std::size_t size)
{
    std::vector<std::size_t> starts;  // first byte after each start code
    for (std::size_t i = 0; i + 3 <= size; ++i)
        if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
            starts.push_back(i + 3);
            i += 2;
        }
    std::vector<NalUnit> units;
    for (std::size_t k = 0; k < starts.size(); ++k) {
        std::size_t end = k + 1 < starts.size() ? starts[k + 1] - 3 : size;
        while (end > starts[k] && data[end - 1] == 0) --end;  // a 4-byte start code's zero
        if (end > starts[k]) units.push_back({data + starts[k], end - starts[k]});
    }
    return units;
}

// Reads the Exp-Golomb numbers at the start of a slice header.
class BitReader {
public:
    BitReader(const mfxU8* data, std::size_t size) : m_data(data), m_size(size) {}

    unsigned bit()
    {
        if (m_pos >= m_size * 8) return 0;
        unsigned b = (m_data[m_pos / 8] >> (7 - m_pos % 8)) & 1;
        ++m_pos;
        return b;
    }

    unsigned ue()
    {
        int zeros = 0;
        while (bit() == 0 && zeros < 31) ++zeros;
        unsigned value = 0;
        for (int i = 0; i < zeros; ++i) value = (value << 1) | bit();
        return (1u << zeros) - 1 + value;
    }

private:
    const mfxU8* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

// The MFX_FRAMETYPE_* of a coded frame: its first slice's NAL type, nal_ref_idc and slice_type.
mfxU16 frame_type_of(const mfxU8* data, std::size_t size)
{
    for (const NalUnit& nal : nal_units(data, size)) {
        int type = nal.data[0] & 0x1f;
        if (type != 1 && type != 5) continue;
        mfxU16 ref = (nal.data[0] & 0x60) ? MFX_FRAMETYPE_REF : 0;
        if (type == 5) return MFX_FRAMETYPE_I | MFX_FRAMETYPE_IDR | ref;
        BitReader header(nal.data + 1, nal.size - 1);
        header.ue();  // first_mb_in_slice
        switch (header.ue() % 5) {
            case 0:
            case 3: return MFX_FRAMETYPE_P | ref;
            case 1: return MFX_FRAMETYPE_B | ref;
            default: return MFX_FRAMETYPE_I | ref;
        }
    }
    return MFX_FRAMETYPE_UNKNOWN;
}

// --- parameters -----------------------------------------------------------------------------

bool is_quality(mfxU16 v)
{
    return v >= 1 && v <= 51;
}

// The bytes one coded frame can take: the raw NV12 frame (x264 falls back to PCM macroblocks
// before going over it) plus room for headers and SEI.
mfxU32 frame_bound(const mfxFrameInfo& f)
{
    return mfxU32(f.Width) * f.Height * 3 / 2 + 65536;
}

// Checks an encode request and fills in what it leaves to the runtime. `corrected` reports a
// value changed to one this runtime can do (MFX_WRN_INCOMPATIBLE_VIDEO_PARAM).
mfxStatus resolve(const mfxVideoParam& in, mfxVideoParam& out, bool& corrected)
{
    corrected = false;
    out = mfxVideoParam{};
    out.AsyncDepth = in.AsyncDepth;
    out.IOPattern = in.IOPattern;
    out.mfx = in.mfx;
    mfxInfoMFX& m = out.mfx;
    mfxFrameInfo& f = m.FrameInfo;

    if (m.CodecId != MFX_CODEC_AVC) return MFX_ERR_UNSUPPORTED;
    if (out.IOPattern != MFX_IOPATTERN_IN_SYSTEM_MEMORY) return MFX_ERR_UNSUPPORTED;
    if (f.FourCC != MFX_FOURCC_NV12) return MFX_ERR_UNSUPPORTED;
    if (f.ChromaFormat == 0) f.ChromaFormat = MFX_CHROMAFORMAT_YUV420;
    if (f.ChromaFormat != MFX_CHROMAFORMAT_YUV420) return MFX_ERR_UNSUPPORTED;
    if (f.BitDepthLuma > 8 || f.BitDepthChroma > 8 || f.Shift) return MFX_ERR_UNSUPPORTED;
    if (f.PicStruct == MFX_PICSTRUCT_UNKNOWN) f.PicStruct = MFX_PICSTRUCT_PROGRESSIVE;
    if (f.PicStruct != MFX_PICSTRUCT_PROGRESSIVE) return MFX_ERR_UNSUPPORTED;
    if (m.EncodedOrder) return MFX_ERR_UNSUPPORTED;

    if (f.Width == 0 || f.Height == 0 || f.Width % 16 || f.Height % 16) return MFX_ERR_INVALID_VIDEO_PARAM;
    if (f.CropW == 0) f.CropW = f.Width - f.CropX;
    if (f.CropH == 0) f.CropH = f.Height - f.CropY;
    if (f.CropX % 2 || f.CropY % 2 || f.CropW % 2 || f.CropH % 2 || f.CropW == 0 || f.CropH == 0 ||
        f.CropX + f.CropW > f.Width || f.CropY + f.CropH > f.Height)
        return MFX_ERR_INVALID_VIDEO_PARAM;
    if (f.FrameRateExtN == 0 || f.FrameRateExtD == 0) return MFX_ERR_INVALID_VIDEO_PARAM;

    switch (m.CodecProfile) {
        case MFX_PROFILE_UNKNOWN: m.CodecProfile = MFX_PROFILE_AVC_HIGH; break;
        case MFX_PROFILE_AVC_HIGH:
        case MFX_PROFILE_AVC_MAIN:
        case MFX_PROFILE_AVC_BASELINE:
        case MFX_PROFILE_AVC_CONSTRAINED_BASELINE: break;
        default: return MFX_ERR_UNSUPPORTED;
    }
    if (m.TargetUsage == MFX_TARGETUSAGE_UNKNOWN) m.TargetUsage = MFX_TARGETUSAGE_BALANCED;
    if (m.TargetUsage > MFX_TARGETUSAGE_BEST_SPEED) return MFX_ERR_INVALID_VIDEO_PARAM;

    if (m.GopPicSize == 0) m.GopPicSize = kDefaultGop;
    if (m.GopRefDist == 0) m.GopRefDist = 1;
    if (m.GopRefDist > 16) return MFX_ERR_INVALID_VIDEO_PARAM;
    bool baseline =
        m.CodecProfile == MFX_PROFILE_AVC_BASELINE || m.CodecProfile == MFX_PROFILE_AVC_CONSTRAINED_BASELINE;
    if (baseline && m.GopRefDist > 1) {
        m.GopRefDist = 1;
        corrected = true;
    }
    if (m.IdrInterval > 0 && (m.GopRefDist == 1 || (m.GopOptFlag & MFX_GOP_CLOSED))) {
        m.IdrInterval = 0;
        corrected = true;
    }

    if (m.BRCParamMultiplier == 0) m.BRCParamMultiplier = 1;
    switch (m.RateControlMethod) {
        case MFX_RATECONTROL_CQP:
            if (!is_quality(m.QPI) || !is_quality(m.QPP)) return MFX_ERR_INVALID_VIDEO_PARAM;
            if (m.QPB == 0 && m.GopRefDist == 1) m.QPB = m.QPP;
            if (!is_quality(m.QPB)) return MFX_ERR_INVALID_VIDEO_PARAM;
            break;
        case MFX_RATECONTROL_ICQ:
            if (!is_quality(m.ICQQuality)) return MFX_ERR_INVALID_VIDEO_PARAM;
            break;
        case MFX_RATECONTROL_VBR:
            if (m.TargetKbps == 0) return MFX_ERR_INVALID_VIDEO_PARAM;
            if (m.MaxKbps == 0) m.MaxKbps = m.TargetKbps;
            if (m.MaxKbps < m.TargetKbps) return MFX_ERR_INVALID_VIDEO_PARAM;
            break;
        case MFX_RATECONTROL_CBR:
            if (m.TargetKbps == 0) return MFX_ERR_INVALID_VIDEO_PARAM;
            m.MaxKbps = m.TargetKbps;
            break;
        default: return MFX_ERR_UNSUPPORTED;
    }
    return MFX_ERR_NONE;
}

// Marks the fields Query can configure (Query with in == NULL).
void mark_configurable(mfxVideoParam& out)
{
    mfxExtBuffer** ext = out.ExtParam;
    mfxU16 num_ext = out.NumExtParam;
    out = mfxVideoParam{};
    out.ExtParam = ext;
    out.NumExtParam = num_ext;
    out.IOPattern = 1;
    out.AsyncDepth = 1;
    mfxInfoMFX& m = out.mfx;
    m.CodecId = MFX_CODEC_AVC;
    m.CodecProfile = m.CodecLevel = m.TargetUsage = 1;
    m.GopPicSize = m.GopRefDist = m.GopOptFlag = m.IdrInterval = 1;
    m.RateControlMethod = m.BRCParamMultiplier = 1;
    m.QPI = m.BufferSizeInKB = m.QPP = m.QPB = 1;  // also InitialDelayInKB, TargetKbps, MaxKbps...
    m.NumSlice = m.NumRefFrame = 1;
    mfxFrameInfo& f = m.FrameInfo;
    f.FourCC = f.ChromaFormat = f.PicStruct = 1;
    f.Width = f.Height = f.CropX = f.CropY = f.CropW = f.CropH = 1;
    f.FrameRateExtN = f.FrameRateExtD = 1;
}

const char* preset_of(mfxU16 target_usage)
{
    static const char* const presets[8] = {"medium", "slower", "slower", "slow",
                                           "medium", "fast",   "faster", "ultrafast"};
    return presets[std::min<mfxU16>(target_usage, 7)];
}

const char* profile_of(mfxU16 codec_profile)
{
    if (codec_profile == MFX_PROFILE_AVC_MAIN) return "main";
    if (codec_profile == MFX_PROFILE_AVC_HIGH) return "high";
    return "baseline";
}

// --- the encoder ---------------------------------------------------------------------------

struct CodecDeleter {
    void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
    void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};
using CodecPtr = std::unique_ptr<AVCodecContext, CodecDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;

class Encoder {
public:
    Encoder(const mfxVideoParam& par, const mfxExtVideoSignalInfo& signal) : m_par(par), m_signal(signal) {}

    mfxStatus open();
    mfxStatus encode(const mfxEncodeCtrl* ctrl, const mfxFrameSurface1* surface, mfxBitstream* bs,
                     mfxSyncPoint* syncp);
    mfxStatus get_video_param(mfxVideoParam* par) const;

private:
    mfxStatus send(const mfxEncodeCtrl* ctrl, const mfxFrameSurface1* surface);
    mfxStatus receive();
    bool open_gop() const;

    mfxVideoParam m_par;  // resolved, no extension buffers
    mfxExtVideoSignalInfo m_signal;
    CodecPtr m_codec;
    FramePtr m_frame;
    std::deque<PacketPtr> m_ready;            // coded frames not yet handed out
    std::vector<mfxU8> m_sps, m_pps;          // with a 00 00 00 01 start code
    std::int64_t m_frames = 0;                // surfaces taken; x264's pts is the surface's number
    std::map<std::int64_t, mfxU64> m_stamps;  // each waiting surface's TimeStamp, by number
    std::int64_t m_first_stamp = 0;           // the first surface's TimeStamp: where dts 0 falls
    std::uintptr_t m_syncs = 0;
    bool m_draining = false;
};

// Non-IDR I frames: x264's open-GOP keyframes, with an IDR frame forced every IdrInterval + 1 of them
// (resolve() keeps IdrInterval 0 where x264 cannot do that).
bool Encoder::open_gop() const
{
    return m_par.mfx.IdrInterval > 0;
}

mfxStatus Encoder::open()
{
    const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) return MFX_ERR_UNSUPPORTED;
    m_codec.reset(avcodec_alloc_context3(codec));
    m_frame.reset(av_frame_alloc());
    if (!m_codec || !m_frame) return MFX_ERR_MEMORY_ALLOC;

    const mfxInfoMFX& m = m_par.mfx;
    const mfxFrameInfo& f = m.FrameInfo;
    AVCodecContext* c = m_codec.get();
    c->width = f.CropW;
    c->height = f.CropH;
    c->pix_fmt = AV_PIX_FMT_NV12;
    // One tick a frame: x264 writes the SPS's timing info from the time base.
    c->time_base = AVRational{int(f.FrameRateExtD), int(f.FrameRateExtN)};
    c->framerate = AVRational{int(f.FrameRateExtN), int(f.FrameRateExtD)};
    c->gop_size = m.GopPicSize;
    c->keyint_min = m.GopPicSize;
    c->max_b_frames = m.GopRefDist - 1;
    if (m.CodecLevel) c->level = m.CodecLevel;
    if (m.NumRefFrame) c->refs = m.NumRefFrame;
    if (m.NumSlice) c->slices = m.NumSlice;
    if (f.AspectRatioW && f.AspectRatioH) c->sample_aspect_ratio = AVRational{f.AspectRatioW, f.AspectRatioH};
    if (m_signal.Header.BufferId) {
        c->color_range = m_signal.VideoFullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
        if (m_signal.ColourDescriptionPresent) {  // H.273 codes, as FFmpeg's enums are
            c->color_primaries = AVColorPrimaries(m_signal.ColourPrimaries);
            c->color_trc = AVColorTransferCharacteristic(m_signal.TransferCharacteristics);
            c->colorspace = AVColorSpace(m_signal.MatrixCoefficients);
        }
    }
    // The SPS and PPS come as extradata for GetVideoParam; repeat-headers=1 below keeps them in-band too.
    c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

    std::int64_t kbps = m.BRCParamMultiplier;
    std::string x264 = "repeat-headers=1:scenecut=0:b-adapt=0";
    x264 += open_gop() ? ":open-gop=1" : ":open-gop=0";
    // x264 signals the lowest profile its tools need (ultrafast: Baseline); these make it the one asked for.
    if (m.CodecProfile == MFX_PROFILE_AVC_HIGH) x264 += ":cabac=1:8x8dct=1";
    if (m.CodecProfile == MFX_PROFILE_AVC_MAIN) x264 += ":cabac=1";
    switch (m.RateControlMethod) {
        case MFX_RATECONTROL_CQP: {
            av_opt_set_int(c->priv_data, "qp", m.QPP, 0);
            char ratios[64];
            std::snprintf(ratios, sizeof ratios, ":ipratio=%.6f:pbratio=%.6f",
                          std::exp2((m.QPP - m.QPI) / 6.0), std::exp2((m.QPB - m.QPP) / 6.0));
            x264 += ratios;
            break;
        }
        case MFX_RATECONTROL_ICQ: av_opt_set_double(c->priv_data, "crf", m.ICQQuality, 0); break;
        default:  // VBR, CBR
            c->bit_rate = m.TargetKbps * kbps * 1000;
            c->rc_max_rate = m.MaxKbps * kbps * 1000;
            c->rc_buffer_size = int(m.BufferSizeInKB ? m.BufferSizeInKB * kbps * 8000 : c->rc_max_rate);
            break;
    }
    av_opt_set(c->priv_data, "preset", preset_of(m.TargetUsage), 0);
    av_opt_set(c->priv_data, "profile", profile_of(m.CodecProfile), 0);
    av_opt_set_int(c->priv_data, "forced-idr", 1, 0);
    av_opt_set(c->priv_data, "x264-params", x264.c_str(), 0);
    if (avcodec_open2(c, codec, nullptr) < 0) return MFX_ERR_INVALID_VIDEO_PARAM;

    for (const NalUnit& nal : nal_units(c->extradata, std::size_t(c->extradata_size))) {
        std::vector<mfxU8>* set = (nal.data[0] & 0x1f) == 7   ? &m_sps
                                  : (nal.data[0] & 0x1f) == 8 ? &m_pps
                                                              : nullptr;
        if (!set || !set->empty()) continue;
        *set = {0, 0, 0, 1};
        set->insert(set->end(), nal.data, nal.data + nal.size);
    }
    if (m_sps.size() < 8 || m_pps.empty()) return MFX_ERR_UNKNOWN;
    m_par.mfx.CodecLevel = m_sps[7];  // level_idc, after the start code, NAL header, profile and flags

    mfxU32 bound_kb = (frame_bound(f) + 999) / 1000;
    m_par.mfx.BufferSizeInKB = mfxU16(
        std::min<mfxU32>(65535, std::max<mfxU32>(m_par.mfx.BufferSizeInKB, (bound_kb + kbps - 1) / kbps)));

    m_frame->format = AV_PIX_FMT_NV12;
    m_frame->width = c->width;
    m_frame->height = c->height;
    if (av_frame_get_buffer(m_frame.get(), 0) < 0) return MFX_ERR_MEMORY_ALLOC;
    return MFX_ERR_NONE;
}

mfxStatus Encoder::send(const mfxEncodeCtrl* ctrl, const mfxFrameSurface1* surface)
{
    const mfxFrameInfo& want = m_par.mfx.FrameInfo;
    const mfxFrameInfo& info = surface->Info;
    const mfxFrameData& data = surface->Data;
    if (!data.Y || !data.UV) return MFX_ERR_NULL_PTR;
    if (info.FourCC != MFX_FOURCC_NV12) return MFX_ERR_INVALID_VIDEO_PARAM;
    if ((info.CropW && info.CropW != want.CropW) || (info.CropH && info.CropH != want.CropH))
        return MFX_ERR_INVALID_VIDEO_PARAM;
    mfxU32 crop_x = info.CropW ? info.CropX : want.CropX;
    mfxU32 crop_y = info.CropH ? info.CropY : want.CropY;
    std::size_t pitch = (std::size_t(data.PitchHigh) << 16) | data.PitchLow;
    if (pitch < crop_x + want.CropW) return MFX_ERR_INVALID_VIDEO_PARAM;

    AVFrame* frame = m_frame.get();
    if (av_frame_make_writable(frame) < 0) return MFX_ERR_MEMORY_ALLOC;
    for (int y = 0; y < frame->height; ++y)
        std::memcpy(frame->data[0] + std::size_t(y) * frame->linesize[0],
                    data.Y + (crop_y + y) * pitch + crop_x, std::size_t(frame->width));
    for (int y = 0; y < frame->height / 2; ++y)
        std::memcpy(frame->data[1] + std::size_t(y) * frame->linesize[1],
                    data.UV + (crop_y / 2 + y) * pitch + crop_x, std::size_t(frame->width));

    const mfxInfoMFX& m = m_par.mfx;
    mfxU64 stamp = data.TimeStamp;
    if (stamp == mfxU64(MFX_TIMESTAMP_UNKNOWN))
        stamp = mfxU64(m_first_stamp + av_rescale_q(m_frames, m_codec->time_base, AVRational{1, 90000}));
    if (m_frames == 0) m_first_stamp = std::int64_t(stamp);
    m_stamps[m_frames] = stamp;
    frame->pts = m_frames;
    bool idr = ctrl && (ctrl->FrameType & (MFX_FRAMETYPE_I | MFX_FRAMETYPE_IDR));
    if (open_gop() && m_frames % (std::int64_t(m.GopPicSize) * (m.IdrInterval + 1)) == 0) idr = true;
    frame->pict_type = idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;  // I is IDR with forced-idr=1
    ++m_frames;
    return avcodec_send_frame(m_codec.get(), frame) < 0 ? MFX_ERR_UNKNOWN : MFX_ERR_NONE;
}

mfxStatus Encoder::receive()
{
    while (true) {
        PacketPtr packet(av_packet_alloc());
        if (!packet) return MFX_ERR_MEMORY_ALLOC;
        int ret = avcodec_receive_packet(m_codec.get(), packet.get());
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return MFX_ERR_NONE;
        if (ret < 0) return MFX_ERR_UNKNOWN;
        m_ready.push_back(std::move(packet));
    }
}

mfxStatus Encoder::encode(const mfxEncodeCtrl* ctrl, const mfxFrameSurface1* surface, mfxBitstream* bs,
                          mfxSyncPoint* syncp)
{
    if (!bs || !syncp) return MFX_ERR_NULL_PTR;
    if (!bs->Data || std::uint64_t(bs->DataOffset) + bs->DataLength > bs->MaxLength)
        return MFX_ERR_UNDEFINED_BEHAVIOR;
    std::size_t room = bs->MaxLength - bs->DataOffset - bs->DataLength;
    std::size_t wanted = std::size_t(m_par.mfx.BufferSizeInKB) * m_par.mfx.BRCParamMultiplier * 1000;
    if (!m_ready.empty()) wanted = std::max(wanted, std::size_t(m_ready.front()->size));
    if (room < wanted) return MFX_ERR_NOT_ENOUGH_BUFFER;  // the surface is not taken

    mfxStatus status = MFX_ERR_NONE;
    if (surface) {
        if (m_draining) return MFX_ERR_UNDEFINED_BEHAVIOR;  // libavcodec cannot restart after a drain
        status = send(ctrl, surface);
    } else if (!m_draining) {
        m_draining = true;
        status = avcodec_send_frame(m_codec.get(), nullptr) < 0 ? MFX_ERR_UNKNOWN : MFX_ERR_NONE;
    }
    if (status == MFX_ERR_NONE) status = receive();
    if (status != MFX_ERR_NONE) return status;
    if (m_ready.empty()) return MFX_ERR_MORE_DATA;

    // Not reached with a bitstream of BufferSizeInKB: the frame stays first in line.
    const AVPacket* packet = m_ready.front().get();
    if (room < std::size_t(packet->size)) return MFX_ERR_NOT_ENOUGH_BUFFER;
    std::memcpy(bs->Data + bs->DataOffset + bs->DataLength, packet->data, std::size_t(packet->size));
    bs->DataLength += mfxU32(packet->size);
    auto stamp = m_stamps.find(packet->pts);
    bs->TimeStamp = stamp != m_stamps.end() ? stamp->second : mfxU64(MFX_TIMESTAMP_UNKNOWN);
    // Without reordering the dts is the pts; else x264's dts at the frame rate, from the first surface's.
    if (packet->dts == packet->pts)
        bs->DecodeTimeStamp = mfxI64(bs->TimeStamp);
    else
        bs->DecodeTimeStamp =
            m_first_stamp + av_rescale_q(packet->dts, m_codec->time_base, AVRational{1, 90000});
    if (stamp != m_stamps.end()) m_stamps.erase(stamp);
    bs->FrameType = frame_type_of(packet->data, std::size_t(packet->size));
    bs->PicStruct = MFX_PICSTRUCT_PROGRESSIVE;
    m_ready.pop_front();
    *syncp = reinterpret_cast<mfxSyncPoint>(++m_syncs);
    return MFX_ERR_NONE;
}

mfxStatus Encoder::get_video_param(mfxVideoParam* par) const
{
    par->mfx = m_par.mfx;
    par->IOPattern = m_par.IOPattern;
    par->AsyncDepth = m_par.AsyncDepth;
    par->Protected = 0;
    for (mfxU16 i = 0; i < par->NumExtParam; ++i) {
        mfxExtBuffer* ext = par->ExtParam ? par->ExtParam[i] : nullptr;
        if (ext && ext->BufferId == MFX_EXTBUFF_VIDEO_SIGNAL_INFO &&
            ext->BufferSz >= sizeof(mfxExtVideoSignalInfo)) {
            auto* signal = reinterpret_cast<mfxExtVideoSignalInfo*>(ext);
            mfxExtBuffer header = signal->Header;
            *signal = m_signal;
            signal->Header = header;
            if (!m_signal.Header.BufferId) signal->VideoFormat = 5;  // unspecified
        }
        if (!ext || ext->BufferId != MFX_EXTBUFF_CODING_OPTION_SPSPPS) continue;
        if (ext->BufferSz < sizeof(mfxExtCodingOptionSPSPPS)) return MFX_ERR_UNDEFINED_BEHAVIOR;
        auto* sets = reinterpret_cast<mfxExtCodingOptionSPSPPS*>(ext);
        if (sets->SPSBuffer) {
            if (sets->SPSBufSize < m_sps.size()) return MFX_ERR_NOT_ENOUGH_BUFFER;
            std::memcpy(sets->SPSBuffer, m_sps.data(), m_sps.size());
            sets->SPSBufSize = mfxU16(m_sps.size());
        }
        if (sets->PPSBuffer) {
            if (sets->PPSBufSize < m_pps.size()) return MFX_ERR_NOT_ENOUGH_BUFFER;
            std::memcpy(sets->PPSBuffer, m_pps.data(), m_pps.size());
            sets->PPSBufSize = mfxU16(m_pps.size());
        }
        sets->SPSId = sets->PPSId = 0;
    }
    return MFX_ERR_NONE;
}

// --- sessions -------------------------------------------------------------------------------

struct Session {
    std::unique_ptr<Encoder> encoder;
    mfxHandleType handle_type{};
    mfxHDL handle = nullptr;  // what MFXVideoCORE_SetHandle was given (a VADisplay); unused
};

Session* session_of(mfxSession session)
{
    return reinterpret_cast<Session*>(session);
}

bool is_vaapi(mfxAccelerationMode mode)
{
    return mode >= MFX_ACCEL_MODE_VIA_VAAPI && mode <= MFX_ACCEL_MODE_VIA_VAAPI_WAYLAND;
}

}  // namespace

extern "C" {

// --- discovery and sessions -----------------------------------------------------------------

mfxHDL* MFX_CDECL MFXQueryImplsDescription(mfxImplCapsDeliveryFormat format, mfxU32* num_impls)
{
    if (!num_impls) return nullptr;
    *num_impls = 0;
    // The dispatcher, built with ONEVPL_EXPERIMENTAL, also asks for MFX_IMPLCAPS_DEVICE_ID_EXTENDED (4),
    // outside this build's enum (a sanitizer error to load as one): read the argument as an integer.
    static_assert(sizeof format == sizeof(int));
    int asked = 0;
    std::memcpy(&asked, &format, sizeof asked);
    std::lock_guard<std::mutex> lock(g_lock);
    if (asked == MFX_IMPLCAPS_IMPLDESCSTRUCTURE) {
        g_descriptions.push_back(make_description());
        *num_impls = 1;
        return g_descriptions.back()->handles;
    }
    if (asked == MFX_IMPLCAPS_IMPLEMENTEDFUNCTIONS) {
        g_function_lists.push_back(make_function_list());
        *num_impls = 1;
        return g_function_lists.back()->handles;
    }
    return nullptr;  // MFX_IMPLCAPS_IMPLPATH is the dispatcher's own answer; no extended device ID
}

mfxStatus MFX_CDECL MFXReleaseImplDescription(mfxHDL hdl)
{
    if (!hdl) return MFX_ERR_NULL_PTR;
    std::lock_guard<std::mutex> lock(g_lock);
    auto d = std::find_if(g_descriptions.begin(), g_descriptions.end(),
                          [&](const auto& p) { return &p->impl == hdl; });
    if (d != g_descriptions.end()) {
        g_descriptions.erase(d);
        return MFX_ERR_NONE;
    }
    auto f = std::find_if(g_function_lists.begin(), g_function_lists.end(),
                          [&](const auto& p) { return &p->functions == hdl; });
    if (f != g_function_lists.end()) {
        g_function_lists.erase(f);
        return MFX_ERR_NONE;
    }
    return MFX_ERR_INVALID_HANDLE;
}

mfxStatus MFX_CDECL MFXInitialize(mfxInitializationParam par, mfxSession* session)
{
    if (!session) return MFX_ERR_NULL_PTR;
    if (!is_vaapi(par.AccelerationMode) || par.VendorImplID != 0) return MFX_ERR_UNSUPPORTED;
    *session = reinterpret_cast<mfxSession>(new Session);
    return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL MFXClose(mfxSession session)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    delete session_of(session);
    return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL MFXQueryIMPL(mfxSession session, mfxIMPL* impl)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    if (!impl) return MFX_ERR_NULL_PTR;
    *impl = MFX_IMPL_HARDWARE | MFX_IMPL_VIA_VAAPI;
    return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL MFXQueryVersion(mfxSession session, mfxVersion* version)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    if (!version) return MFX_ERR_NULL_PTR;
    version->Major = MFX_VERSION_MAJOR;
    version->Minor = MFX_VERSION_MINOR;
    return MFX_ERR_NONE;
}

// 1.x initialisation: the dispatcher only uses it for libmfx-gen.so.1.2 and libmfxhw64.so.1.
mfxStatus MFX_CDECL MFXInit(mfxIMPL, mfxVersion*, mfxSession*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXInitEx(mfxInitParam, mfxSession*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXJoinSession(mfxSession, mfxSession)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXDisjoinSession(mfxSession)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXCloneSession(mfxSession, mfxSession*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXSetPriority(mfxSession, mfxPriority)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXGetPriority(mfxSession, mfxPriority*)
{
    return MFX_ERR_UNSUPPORTED;
}

// --- CORE -----------------------------------------------------------------------------------

mfxStatus MFX_CDECL MFXVideoCORE_SetFrameAllocator(mfxSession session, mfxFrameAllocator* allocator)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    return allocator ? MFX_ERR_UNSUPPORTED : MFX_ERR_NONE;  // surfaces are the caller's system memory
}

mfxStatus MFX_CDECL MFXVideoCORE_SetHandle(mfxSession session, mfxHandleType type, mfxHDL hdl)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    if (!hdl) return MFX_ERR_NULL_PTR;
    Session* s = session_of(session);
    if (s->handle) return MFX_ERR_UNDEFINED_BEHAVIOR;
    s->handle_type = type;
    s->handle = hdl;
    return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL MFXVideoCORE_GetHandle(mfxSession session, mfxHandleType type, mfxHDL* hdl)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    if (!hdl) return MFX_ERR_NULL_PTR;
    Session* s = session_of(session);
    if (!s->handle || s->handle_type != type) return MFX_ERR_NOT_FOUND;
    *hdl = s->handle;
    return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL MFXVideoCORE_QueryPlatform(mfxSession, mfxPlatform*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoCORE_SyncOperation(mfxSession session, mfxSyncPoint syncp, mfxU32)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    if (!syncp) return MFX_ERR_NULL_PTR;
    return MFX_ERR_NONE;  // the frame was finished by EncodeFrameAsync
}

// --- ENCODE ---------------------------------------------------------------------------------

mfxStatus MFX_CDECL MFXVideoENCODE_Query(mfxSession session, mfxVideoParam* in, mfxVideoParam* out)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    if (!out) return MFX_ERR_NULL_PTR;
    if (!in) {
        mark_configurable(*out);
        return MFX_ERR_NONE;
    }
    if (in->mfx.CodecId != MFX_CODEC_AVC) return MFX_ERR_UNSUPPORTED;
    mfxVideoParam resolved;
    bool corrected = false;
    if (resolve(*in, resolved, corrected) != MFX_ERR_NONE) return MFX_ERR_UNSUPPORTED;
    mfxInfoMFX mfx = in->mfx;  // in and out may be the same
    mfx.GopRefDist = std::min(mfx.GopRefDist, resolved.mfx.GopRefDist);
    mfx.IdrInterval = resolved.mfx.IdrInterval;
    out->mfx = mfx;
    out->IOPattern = resolved.IOPattern;
    out->AsyncDepth = resolved.AsyncDepth;
    return corrected ? MFX_WRN_INCOMPATIBLE_VIDEO_PARAM : MFX_ERR_NONE;
}

mfxStatus MFX_CDECL MFXVideoENCODE_QueryIOSurf(mfxSession session, mfxVideoParam* par,
                                               mfxFrameAllocRequest* request)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    if (!par || !request) return MFX_ERR_NULL_PTR;
    mfxVideoParam resolved;
    bool corrected = false;
    mfxStatus status = resolve(*par, resolved, corrected);
    if (status != MFX_ERR_NONE) return status;
    *request = mfxFrameAllocRequest{};
    request->Info = resolved.mfx.FrameInfo;
    request->Type = MFX_MEMTYPE_EXTERNAL_FRAME | MFX_MEMTYPE_FROM_ENCODE | MFX_MEMTYPE_SYSTEM_MEMORY;
    request->NumFrameMin = resolved.mfx.GopRefDist;
    request->NumFrameSuggested = mfxU16(request->NumFrameMin + std::max<mfxU16>(resolved.AsyncDepth, 1));
    return corrected ? MFX_WRN_INCOMPATIBLE_VIDEO_PARAM : MFX_ERR_NONE;
}

mfxStatus MFX_CDECL MFXVideoENCODE_Init(mfxSession session, mfxVideoParam* par)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    if (!par) return MFX_ERR_NULL_PTR;
    Session* s = session_of(session);
    if (s->encoder) return MFX_ERR_UNDEFINED_BEHAVIOR;
    mfxVideoParam resolved;
    bool corrected = false;
    mfxStatus status = resolve(*par, resolved, corrected);
    if (status != MFX_ERR_NONE) return status;
    mfxExtVideoSignalInfo signal{};  // BufferId 0: not given
    for (mfxU16 i = 0; par->ExtParam && i < par->NumExtParam; ++i) {
        const mfxExtBuffer* ext = par->ExtParam[i];
        if (ext && ext->BufferId == MFX_EXTBUFF_VIDEO_SIGNAL_INFO && ext->BufferSz >= sizeof signal)
            signal = *reinterpret_cast<const mfxExtVideoSignalInfo*>(ext);
    }
    auto encoder = std::make_unique<Encoder>(resolved, signal);
    status = encoder->open();
    if (status != MFX_ERR_NONE) return status;
    s->encoder = std::move(encoder);
    return corrected ? MFX_WRN_INCOMPATIBLE_VIDEO_PARAM : MFX_ERR_NONE;
}

mfxStatus MFX_CDECL MFXVideoENCODE_Reset(mfxSession session, mfxVideoParam*)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoENCODE_Close(mfxSession session)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    Session* s = session_of(session);
    if (!s->encoder) return MFX_ERR_NOT_INITIALIZED;
    s->encoder.reset();
    return MFX_ERR_NONE;
}

mfxStatus MFX_CDECL MFXVideoENCODE_GetVideoParam(mfxSession session, mfxVideoParam* par)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    if (!par) return MFX_ERR_NULL_PTR;
    Session* s = session_of(session);
    if (!s->encoder) return MFX_ERR_NOT_INITIALIZED;
    return s->encoder->get_video_param(par);
}

mfxStatus MFX_CDECL MFXVideoENCODE_GetEncodeStat(mfxSession, mfxEncodeStat*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoENCODE_EncodeFrameAsync(mfxSession session, mfxEncodeCtrl* ctrl,
                                                    mfxFrameSurface1* surface, mfxBitstream* bs,
                                                    mfxSyncPoint* syncp)
{
    if (!session) return MFX_ERR_INVALID_HANDLE;
    Session* s = session_of(session);
    if (!s->encoder) return MFX_ERR_NOT_INITIALIZED;
    return s->encoder->encode(ctrl, surface, bs, syncp);
}

// --- what this runtime does not do ------------------------------------------------------------

mfxStatus MFX_CDECL MFXMemory_GetSurfaceForVPP(mfxSession, mfxFrameSurface1**)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXMemory_GetSurfaceForVPPOut(mfxSession, mfxFrameSurface1**)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXMemory_GetSurfaceForEncode(mfxSession, mfxFrameSurface1**)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXMemory_GetSurfaceForDecode(mfxSession, mfxFrameSurface1**)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_Query(mfxSession, mfxVideoParam*, mfxVideoParam*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_DecodeHeader(mfxSession, mfxBitstream*, mfxVideoParam*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_QueryIOSurf(mfxSession, mfxVideoParam*, mfxFrameAllocRequest*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_Init(mfxSession, mfxVideoParam*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_Reset(mfxSession, mfxVideoParam*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_Close(mfxSession)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_GetVideoParam(mfxSession, mfxVideoParam*)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_GetDecodeStat(mfxSession, mfxDecodeStat*)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_SetSkipMode(mfxSession, mfxSkipMode)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_GetPayload(mfxSession, mfxU64*, mfxPayload*)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_DecodeFrameAsync(mfxSession, mfxBitstream*, mfxFrameSurface1*,
                                                    mfxFrameSurface1**, mfxSyncPoint*)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoVPP_Query(mfxSession, mfxVideoParam*, mfxVideoParam*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoVPP_QueryIOSurf(mfxSession, mfxVideoParam*, mfxFrameAllocRequest*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoVPP_Init(mfxSession, mfxVideoParam*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoVPP_Reset(mfxSession, mfxVideoParam*)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoVPP_Close(mfxSession)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoVPP_GetVideoParam(mfxSession, mfxVideoParam*)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoVPP_GetVPPStat(mfxSession, mfxVPPStat*)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoVPP_RunFrameVPPAsync(mfxSession, mfxFrameSurface1*, mfxFrameSurface1*,
                                                 mfxExtVppAuxData*, mfxSyncPoint*)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoVPP_ProcessFrameAsync(mfxSession, mfxFrameSurface1*, mfxFrameSurface1**)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_VPP_Init(mfxSession, mfxVideoParam*, mfxVideoChannelParam**, mfxU32)
{
    return MFX_ERR_UNSUPPORTED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_VPP_DecodeFrameAsync(mfxSession, mfxBitstream*, mfxU32*, mfxU32,
                                                        mfxSurfaceArray**)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_VPP_Reset(mfxSession, mfxVideoParam*, mfxVideoChannelParam**, mfxU32)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_VPP_GetChannelParam(mfxSession, mfxVideoChannelParam*, mfxU32)
{
    return MFX_ERR_NOT_INITIALIZED;
}

mfxStatus MFX_CDECL MFXVideoDECODE_VPP_Close(mfxSession)
{
    return MFX_ERR_NOT_INITIALIZED;
}

}  // extern "C"
