// SPDX-License-Identifier: Apache-2.0
#include "encode/video_writer.h"

#include "util/error.h"

namespace reel {

VideoWriter::VideoWriter(const std::string& path, const EncoderSettings& settings,
                         std::optional<AudioTrackSettings> audio, MuxerOptions options)
    : m_video(settings, path), m_muxer(path, std::move(options))
{
    check_container_codec(m_muxer.container(), settings.codec);
    m_stats.encoder = m_video.name();
    m_video_stream = m_muxer.add_stream(m_video.parameters(), m_video.time_base());
    if (audio) {
        m_audio.emplace(*audio, m_muxer.container(), path);
        m_audio_stream = m_muxer.add_stream(m_audio->parameters(), m_audio->time_base());
        m_stats.audio_encoder = m_audio->name();
    }
    m_muxer.start();
    m_sink = [this](Packet& packet) {
        if (m_observer) m_observer(packet);
        m_muxer.write(m_video_stream, packet);
    };
}

void VideoWriter::write(std::shared_ptr<const Image> picture)
{
    m_video.encode(std::move(picture), m_sink);
    m_stats.frames = m_video.frames();
}

void VideoWriter::write_audio(const std::vector<float>& interleaved)
{
    if (!m_audio) throw Error(ErrorCode::internal, "encode", "write_audio without an audio track");
    m_muxer.queue(m_audio_stream, m_audio->encode(interleaved));
}

void VideoWriter::finish(bool overwrite)
{
    m_video.flush(m_sink);
    m_muxer.finish(overwrite);
    m_stats.bytes = m_muxer.bytes();
    m_stats.encode_seconds = m_video.seconds() + (m_audio ? m_audio->seconds() : 0);
    if (m_audio) m_stats.audio_bytes = m_muxer.stream_bytes(m_audio_stream);
}

}  // namespace reel
