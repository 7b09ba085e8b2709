// SPDX-License-Identifier: Apache-2.0
// The oneVPL engine: Intel's 2.x dispatcher API directly. The runtime is found with
// MFXLoad, filters (a hardware implementation that encodes the codec) and
// MFXEnumImplementations, never the deprecated MFXInit, which "succeeds" on a machine with
// no Intel hardware by loading the old Media SDK. Pictures go in as system-memory NV12
// surfaces; the bitstream (Annex B, parameter sets in band) comes back per frame.
#include "encode/detail/backend.h"
#include "encode/engine_params.h"

#include "ff/ff.h"

#include <vpl/mfx.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <type_traits>

namespace reel {
namespace {

struct LoaderDeleter {
    void operator()(mfxLoader loader) const noexcept { MFXUnload(loader); }
};
struct SessionDeleter {
    void operator()(mfxSession session) const noexcept
    {
        MFXVideoENCODE_Close(session);
        MFXClose(session);
    }
};
using LoaderPtr = std::unique_ptr<std::remove_pointer_t<mfxLoader>, LoaderDeleter>;
using SessionPtr = std::unique_ptr<std::remove_pointer_t<mfxSession>, SessionDeleter>;

constexpr const char* hint = "use --encoder software (or auto); reel bench --engines says what runs here";

const char* status_name(mfxStatus s)
{
    switch (s) {
        case MFX_ERR_NONE: return "MFX_ERR_NONE";
        case MFX_ERR_UNKNOWN: return "MFX_ERR_UNKNOWN";
        case MFX_ERR_NULL_PTR: return "MFX_ERR_NULL_PTR";
        case MFX_ERR_UNSUPPORTED: return "MFX_ERR_UNSUPPORTED";
        case MFX_ERR_MEMORY_ALLOC: return "MFX_ERR_MEMORY_ALLOC";
        case MFX_ERR_NOT_ENOUGH_BUFFER: return "MFX_ERR_NOT_ENOUGH_BUFFER";
        case MFX_ERR_INVALID_HANDLE: return "MFX_ERR_INVALID_HANDLE";
        case MFX_ERR_LOCK_MEMORY: return "MFX_ERR_LOCK_MEMORY";
        case MFX_ERR_NOT_INITIALIZED: return "MFX_ERR_NOT_INITIALIZED";
        case MFX_ERR_NOT_FOUND: return "MFX_ERR_NOT_FOUND";
        case MFX_ERR_MORE_DATA: return "MFX_ERR_MORE_DATA";
        case MFX_ERR_MORE_SURFACE: return "MFX_ERR_MORE_SURFACE";
        case MFX_ERR_ABORTED: return "MFX_ERR_ABORTED";
        case MFX_ERR_DEVICE_LOST: return "MFX_ERR_DEVICE_LOST";
        case MFX_ERR_INCOMPATIBLE_VIDEO_PARAM: return "MFX_ERR_INCOMPATIBLE_VIDEO_PARAM";
        case MFX_ERR_INVALID_VIDEO_PARAM: return "MFX_ERR_INVALID_VIDEO_PARAM";
        case MFX_ERR_UNDEFINED_BEHAVIOR: return "MFX_ERR_UNDEFINED_BEHAVIOR";
        case MFX_ERR_DEVICE_FAILED: return "MFX_ERR_DEVICE_FAILED";
        case MFX_ERR_MORE_BITSTREAM: return "MFX_ERR_MORE_BITSTREAM";
        case MFX_ERR_GPU_HANG: return "MFX_ERR_GPU_HANG";
        case MFX_ERR_REALLOC_SURFACE: return "MFX_ERR_REALLOC_SURFACE";
        case MFX_ERR_RESOURCE_MAPPED: return "MFX_ERR_RESOURCE_MAPPED";
        case MFX_ERR_NOT_IMPLEMENTED: return "MFX_ERR_NOT_IMPLEMENTED";
        case MFX_WRN_IN_EXECUTION: return "MFX_WRN_IN_EXECUTION";
        case MFX_WRN_DEVICE_BUSY: return "MFX_WRN_DEVICE_BUSY";
        case MFX_WRN_VIDEO_PARAM_CHANGED: return "MFX_WRN_VIDEO_PARAM_CHANGED";
        case MFX_WRN_PARTIAL_ACCELERATION: return "MFX_WRN_PARTIAL_ACCELERATION";
        case MFX_WRN_INCOMPATIBLE_VIDEO_PARAM: return "MFX_WRN_INCOMPATIBLE_VIDEO_PARAM";
        case MFX_WRN_VALUE_NOT_CHANGED: return "MFX_WRN_VALUE_NOT_CHANGED";
        case MFX_WRN_OUT_OF_RANGE: return "MFX_WRN_OUT_OF_RANGE";
        default: return "an unknown oneVPL status";
    }
}

/// "MFX_ERR_NOT_FOUND (-9)"
std::string status_text(mfxStatus s)
{
    return std::string(status_name(s)) + " (" + std::to_string(int(s)) + ")";
}

void filter(mfxLoader loader, const char* name, mfxU32 value)
{
    mfxConfig config = MFXCreateConfig(loader);
    if (!config)
        throw EngineUnavailable("oneVPL: cannot make a dispatcher filter (MFXCreateConfig)", "", hint);
    mfxVariant v{};
    v.Type = MFX_VARIANT_TYPE_U32;
    v.Data.U32 = value;
    if (mfxStatus s = MFXSetConfigFilterProperty(config, reinterpret_cast<const mfxU8*>(name), v);
        s != MFX_ERR_NONE)
        throw EngineUnavailable(std::string("oneVPL: the dispatcher refuses the filter ") + name,
                                status_text(s), hint);
}

mfxU16 align16(int n)
{
    return mfxU16((n + 15) & ~15);
}

/// One system-memory NV12 picture the runtime reads.
struct Surface {
    std::vector<mfxU8> pixels;
    mfxFrameSurface1 surface{};
};

class VplBackend final : public VideoEncoder::Backend {
public:
    VplBackend(const EncoderSettings& s, const std::string& context) : m_context(context), m_fps(s.fps)
    {
        VplEncoderSetup v = vpl_encoder_setup(s);
        const std::string codec_name = v.codec == "h264" ? "H.264" : "HEVC";
        const mfxU32 codec = v.codec == "h264" ? MFX_CODEC_AVC : MFX_CODEC_HEVC;
        m_loader.reset(MFXLoad());
        if (!m_loader)
            throw EngineUnavailable("oneVPL: the dispatcher did not start (MFXLoad failed)", "", hint);
        filter(m_loader.get(), "mfxImplDescription.Impl", MFX_IMPL_TYPE_HARDWARE);
        filter(m_loader.get(), "mfxImplDescription.mfxEncoderDescription.encoder.CodecID", codec);
        mfxImplDescription* desc = nullptr;
        mfxStatus st = MFXEnumImplementations(m_loader.get(), 0, MFX_IMPLCAPS_IMPLDESCSTRUCTURE,
                                              reinterpret_cast<mfxHDL*>(&desc));
        if (st != MFX_ERR_NONE || !desc)
            throw EngineUnavailable("oneVPL: no hardware runtime that encodes " + codec_name +
                                        " was found (no Intel GPU with its oneVPL runtime, or none in "
                                        "ONEVPL_SEARCH_PATH)",
                                    status_text(st), hint);
        m_name = std::string("oneVPL: ") + desc->ImplName;
        MFXDispReleaseImplDescription(m_loader.get(), desc);
        mfxSession session = nullptr;
        if (st = MFXCreateSession(m_loader.get(), 0, &session); st != MFX_ERR_NONE)
            throw EngineUnavailable("oneVPL: cannot open a session on " + m_name, status_text(st), hint);
        m_session.reset(session);

        mfxVideoParam par{};
        par.IOPattern = MFX_IOPATTERN_IN_SYSTEM_MEMORY;
        par.AsyncDepth = 1;
        mfxInfoMFX& m = par.mfx;
        m.CodecId = codec;
        m.CodecProfile = v.codec == "h264" ? MFX_PROFILE_AVC_HIGH : MFX_PROFILE_HEVC_MAIN;
        m.TargetUsage = mfxU16(v.target_usage);
        m.GopPicSize = mfxU16(std::min(v.gop, 65535));
        m.GopRefDist = mfxU16(v.ref_dist);
        m.IdrInterval = mfxU16(v.idr_interval);
        m.GopOptFlag = mfxU16((v.closed_gop ? MFX_GOP_CLOSED : 0) | (v.strict_gop ? MFX_GOP_STRICT : 0));
        if (v.rate_control == "icq") {
            m.RateControlMethod = MFX_RATECONTROL_ICQ;
            m.ICQQuality = mfxU16(v.quality);
        } else {
            m.RateControlMethod = MFX_RATECONTROL_VBR;
            // Kbps fields are 16 bits: a multiplier carries larger rates.
            mfxU16 multiplier = mfxU16(v.max_kbps / 65536 + 1);
            m.BRCParamMultiplier = multiplier;
            m.TargetKbps = mfxU16(v.target_kbps / multiplier);
            m.MaxKbps = mfxU16(v.max_kbps / multiplier);
        }
        mfxFrameInfo& f = m.FrameInfo;
        f.FourCC = MFX_FOURCC_NV12;
        f.ChromaFormat = MFX_CHROMAFORMAT_YUV420;
        f.PicStruct = MFX_PICSTRUCT_PROGRESSIVE;
        f.Width = align16(s.width);
        f.Height = align16(s.height);
        f.CropW = mfxU16(s.width);
        f.CropH = mfxU16(s.height);
        f.FrameRateExtN = mfxU32(s.fps.num());
        f.FrameRateExtD = mfxU32(s.fps.den());
        f.AspectRatioW = 1;
        f.AspectRatioH = 1;
        mfxExtVideoSignalInfo signal{};
        signal.Header.BufferId = MFX_EXTBUFF_VIDEO_SIGNAL_INFO;
        signal.Header.BufferSz = sizeof signal;
        signal.VideoFormat = 5;  // unspecified
        signal.VideoFullRange = 0;
        signal.ColourDescriptionPresent = 1;
        signal.ColourPrimaries = 1;  // BT.709
        signal.TransferCharacteristics = 1;
        signal.MatrixCoefficients = 1;
        mfxExtBuffer* ext[] = {&signal.Header};
        par.ExtParam = ext;
        par.NumExtParam = 1;

        mfxVideoParam asked = par;
        if (st = MFXVideoENCODE_Query(m_session.get(), &asked, &par); st < MFX_ERR_NONE)
            throw EngineUnavailable(m_name + " cannot encode " + codec_name + " at " +
                                        std::to_string(s.width) + "x" + std::to_string(s.height) +
                                        " with these settings",
                                    status_text(st), hint);
        // The runtime may correct what it cannot do: reel refuses a silent change of what was asked.
        if (par.mfx.RateControlMethod != asked.mfx.RateControlMethod ||
            par.mfx.GopPicSize != asked.mfx.GopPicSize || par.mfx.GopRefDist != asked.mfx.GopRefDist ||
            par.mfx.CodecProfile != asked.mfx.CodecProfile)
            throw EngineUnavailable(
                m_name + " would change the rate control, GOP or profile reel asked for (" + v.rate_control +
                    ", gop " + std::to_string(v.gop) + ", " + v.profile + ")",
                status_text(st), hint);
        if (st = MFXVideoENCODE_Init(m_session.get(), &par); st < MFX_ERR_NONE)
            throw EngineUnavailable(
                m_name + ": cannot start the " + codec_name + " encoder (MFXVideoENCODE_Init)",
                status_text(st), hint);
        read_headers(codec, s);
        // Two surfaces: one the runtime may still hold, one to fill.
        for (auto& slot : m_surfaces) {
            slot.pixels.assign(std::size_t(f.Width) * f.Height * 3 / 2, 0);
            slot.surface.Info = par.mfx.FrameInfo;
            slot.surface.Data.Y = slot.pixels.data();
            slot.surface.Data.UV = slot.pixels.data() + std::size_t(f.Width) * f.Height;
            slot.surface.Data.V = slot.surface.Data.UV + 1;
            slot.surface.Data.Pitch = f.Width;
        }
    }

    void encode(std::shared_ptr<const Image> picture, std::int64_t index, const PacketSink& sink) override
    {
        if (!picture || picture->width() != m_params.get()->width ||
            picture->height() != m_params.get()->height)
            throw Error(ErrorCode::internal, "encode", "picture size does not match the encoder");
        Surface* free = nullptr;
        for (auto& slot : m_surfaces)
            if (slot.surface.Data.Locked == 0) free = &slot;
        if (!free) throw Error(ErrorCode::encode, "encode", m_name + " keeps every surface locked");
        mfxFrameData& d = free->surface.Data;
        copy_to_nv12(*picture, d.Y, d.Pitch, d.UV, d.Pitch);
        d.TimeStamp = mfxU64(ff::rescale(index, Rational(m_fps.den(), m_fps.num()), Rational(1, 90000)));
        d.FrameOrder = mfxU32(index);
        submit(&free->surface, sink);
    }

    void flush(const PacketSink& sink) override
    {
        while (submit(nullptr, sink)) {
        }
    }

private:
    /// The parameter sets as extradata (Annex B): VPS (HEVC), SPS, PPS.
    void read_headers(mfxU32 codec, const EncoderSettings& s)
    {
        std::vector<mfxU8> sps(1024), pps(1024), vps(1024);
        mfxExtCodingOptionSPSPPS spspps{};
        spspps.Header.BufferId = MFX_EXTBUFF_CODING_OPTION_SPSPPS;
        spspps.Header.BufferSz = sizeof spspps;
        spspps.SPSBuffer = sps.data();
        spspps.SPSBufSize = mfxU16(sps.size());
        spspps.PPSBuffer = pps.data();
        spspps.PPSBufSize = mfxU16(pps.size());
        mfxExtCodingOptionVPS vpsopt{};
        vpsopt.Header.BufferId = MFX_EXTBUFF_CODING_OPTION_VPS;
        vpsopt.Header.BufferSz = sizeof vpsopt;
        vpsopt.VPSBuffer = vps.data();
        vpsopt.VPSBufSize = mfxU16(vps.size());
        mfxExtBuffer* ext[] = {&spspps.Header, &vpsopt.Header};
        mfxVideoParam out{};
        out.ExtParam = ext;
        out.NumExtParam = codec == MFX_CODEC_HEVC ? 2 : 1;
        if (mfxStatus st = MFXVideoENCODE_GetVideoParam(m_session.get(), &out); st < MFX_ERR_NONE)
            throw EngineUnavailable(
                m_name + ": cannot read the stream's parameter sets (MFXVideoENCODE_GetVideoParam)",
                status_text(st), hint);
        std::vector<mfxU8> headers;
        if (codec == MFX_CODEC_HEVC)
            headers.insert(headers.end(), vps.begin(), vps.begin() + vpsopt.VPSBufSize);
        headers.insert(headers.end(), sps.begin(), sps.begin() + spspps.SPSBufSize);
        headers.insert(headers.end(), pps.begin(), pps.begin() + spspps.PPSBufSize);
        if (headers.empty()) throw EngineUnavailable(m_name + " gave no parameter sets", "", hint);

        AVCodecParameters* p = m_params.get();
        p->codec_type = AVMEDIA_TYPE_VIDEO;
        p->codec_id = codec == MFX_CODEC_HEVC ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264;
        p->width = s.width;
        p->height = s.height;
        p->format = AV_PIX_FMT_YUV420P;
        p->color_range = AVCOL_RANGE_MPEG;
        p->color_space = AVCOL_SPC_BT709;
        p->color_primaries = AVCOL_PRI_BT709;
        p->color_trc = AVCOL_TRC_BT709;
        p->sample_aspect_ratio = AVRational{1, 1};
        p->field_order = AV_FIELD_PROGRESSIVE;
        p->extradata = static_cast<std::uint8_t*>(av_mallocz(headers.size() + AV_INPUT_BUFFER_PADDING_SIZE));
        if (!p->extradata) throw std::bad_alloc();
        std::memcpy(p->extradata, headers.data(), headers.size());
        p->extradata_size = int(headers.size());
        mfxU32 kb = mfxU32(out.mfx.BufferSizeInKB) * std::max<mfxU32>(1, out.mfx.BRCParamMultiplier);
        m_buffer.resize(std::max<std::size_t>(std::size_t(kb) * 1000, std::size_t(s.width) * s.height * 2));
        m_bitstream.Data = m_buffer.data();
        m_bitstream.MaxLength = mfxU32(m_buffer.size());
    }

    /// Hands a surface (null: drain) to the runtime and writes what comes back. Whether a
    /// packet came out.
    bool submit(mfxFrameSurface1* surface, const PacketSink& sink)
    {
        while (true) {
            mfxSyncPoint sync = nullptr;
            mfxStatus st =
                MFXVideoENCODE_EncodeFrameAsync(m_session.get(), nullptr, surface, &m_bitstream, &sync);
            if (st == MFX_WRN_DEVICE_BUSY) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                continue;
            }
            if (st == MFX_ERR_MORE_DATA) return false;
            if (st == MFX_ERR_NOT_ENOUGH_BUFFER) {
                grow();
                continue;
            }
            if (st < MFX_ERR_NONE)
                throw Error(ErrorCode::encode, "encode",
                            m_name + " cannot encode for " + m_context + ": " + status_text(st));
            if (!sync) continue;
            if (st = MFXVideoCORE_SyncOperation(m_session.get(), sync, 60000); st < MFX_ERR_NONE)
                throw Error(ErrorCode::encode, "encode",
                            m_name + " failed while encoding for " + m_context + ": " + status_text(st));
            emit(sink);
            return true;
        }
    }

    void grow()
    {
        std::vector<mfxU8> bigger(m_buffer.size() * 2);
        std::memcpy(bigger.data(), m_buffer.data() + m_bitstream.DataOffset, m_bitstream.DataLength);
        m_buffer.swap(bigger);
        m_bitstream.Data = m_buffer.data();
        m_bitstream.DataOffset = 0;
        m_bitstream.MaxLength = mfxU32(m_buffer.size());
    }

    void emit(const PacketSink& sink)
    {
        Packet packet;
        AVPacket* p = packet.get();
        ff::check(av_new_packet(p, int(m_bitstream.DataLength)), "cannot encode", m_context,
                  ErrorCode::encode);
        std::memcpy(p->data, m_bitstream.Data + m_bitstream.DataOffset, m_bitstream.DataLength);
        // No B-frames (GopRefDist 1): decoding order is display order.
        p->pts = p->dts = ff::rescale(std::int64_t(m_bitstream.TimeStamp), Rational(1, 90000),
                                      Rational(m_fps.den(), m_fps.num()));
        p->duration = 1;
        if (m_bitstream.FrameType & MFX_FRAMETYPE_IDR) p->flags |= AV_PKT_FLAG_KEY;
        m_bitstream.DataOffset = 0;
        m_bitstream.DataLength = 0;
        sink(packet);
    }

    std::string m_context;
    Rational m_fps;
    LoaderPtr m_loader;  // before the session: unloaded after it is closed
    SessionPtr m_session;
    Surface m_surfaces[2];
    std::vector<mfxU8> m_buffer;
    mfxBitstream m_bitstream{};
};

}  // namespace

std::unique_ptr<VideoEncoder::Backend> make_vpl_backend(const EncoderSettings& settings,
                                                        const std::string& context)
{
    return std::make_unique<VplBackend>(settings, context);
}

}  // namespace reel
