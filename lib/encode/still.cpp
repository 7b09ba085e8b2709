// SPDX-License-Identifier: Apache-2.0
#include "encode/still.h"

#include "ff/ff.h"

extern "C" {
#include <libswscale/swscale.h>
}
#include "util/atomic_file.h"
#include "util/error.h"

#include <string_view>

namespace reel {

void write_png(const Image& picture, const std::filesystem::path& file)
{
    const std::string where = file.string();
    bool alpha = picture.has_alpha();
    AVPixelFormat rgb = alpha ? AV_PIX_FMT_RGBA : AV_PIX_FMT_RGB24;
    const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
    if (!codec) throw Error(ErrorCode::unavailable, "encode", "this FFmpeg has no PNG encoder");
    ff::CodecContextPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx) throw std::bad_alloc();
    ctx->width = picture.width();
    ctx->height = picture.height();
    ctx->pix_fmt = rgb;
    ctx->time_base = AVRational{1, 1};
    ff::check(avcodec_open2(ctx.get(), codec, nullptr), "open the PNG encoder", where, ErrorCode::encode);
    ff::FramePtr frame = ff::make_frame();
    frame->width = picture.width();
    frame->height = picture.height();
    frame->format = rgb;
    ff::check(av_frame_get_buffer(frame.get(), 0), "allocate a picture", where, ErrorCode::encode);
    ff::SwsPtr sws(sws_getContext(picture.width(), picture.height(),
                                  alpha ? AV_PIX_FMT_YUVA420P : AV_PIX_FMT_YUV420P, picture.width(),
                                  picture.height(), rgb, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
                                  nullptr, nullptr, nullptr));
    if (!sws) throw Error(ErrorCode::encode, "encode", "cannot convert the picture to RGB").with_file(where);
    sws_setColorspaceDetails(sws.get(), sws_getCoefficients(SWS_CS_ITU709), 0,
                             sws_getCoefficients(SWS_CS_ITU709), 1, 0, 1 << 16, 1 << 16);
    const std::uint8_t* src[4] = {picture.plane(0), picture.plane(1), picture.plane(2),
                                  alpha ? picture.plane(3) : nullptr};
    int strides[4] = {picture.stride(0), picture.stride(1), picture.stride(2), alpha ? picture.stride(3) : 0};
    if (sws_scale(sws.get(), src, strides, 0, picture.height(), frame->data, frame->linesize) <= 0)
        throw Error(ErrorCode::encode, "encode", "picture conversion to RGB failed").with_file(where);
    ff::check(avcodec_send_frame(ctx.get(), frame.get()), "encode a PNG", where, ErrorCode::encode);
    ff::check(avcodec_send_frame(ctx.get(), nullptr), "finish a PNG", where, ErrorCode::encode);
    ff::PacketPtr packet = ff::make_packet();
    ff::check(avcodec_receive_packet(ctx.get(), packet.get()), "encode a PNG", where, ErrorCode::encode);
    write_file_atomic(
        file, std::string_view(reinterpret_cast<const char*>(packet->data), std::size_t(packet->size)),
        Overwrite::replace);
}

}  // namespace reel
