// SPDX-License-Identifier: Apache-2.0
#include "render/stream.h"

#include "encode/composite.h"
#include "encode/muxer.h"
#include "render/sound.h"
#include "util/error.h"
#include "util/stopwatch.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

namespace reel {
namespace fs = std::filesystem;
namespace {

/// Hands segments to the streaming writer in timeline order: packets of segments being
/// encoded as they come, files of finished or cached ones.
class OrderedSegments : public SegmentListener {
public:
    explicit OrderedSegments(std::size_t n) : m_slots(n) {}

    /// Packets are kept only for the segment next in line (the writer streams them as they
    /// come); a segment that starts further ahead is read back from its file when
    /// complete, so memory holds about one segment's packets.
    void packet(std::size_t slot, const Packet& packet) override
    {
        std::lock_guard lock(m_mutex);
        Slot& s = m_slots[slot];
        if (s.mode == Mode::undecided) {
            // Live when every segment before it that the writer still has to write is done.
            bool next_in_line = slot >= m_front;
            for (std::size_t k = m_front; next_in_line && k < slot; ++k) next_in_line = m_slots[k].done;
            s.mode = next_in_line ? Mode::live : Mode::from_file;
        }
        if (s.mode != Mode::live) return;
        s.packets.push_back(packet.ref());
        m_changed.notify_all();
    }
    void complete(std::size_t slot, const fs::path& file, bool reused) override
    {
        std::lock_guard lock(m_mutex);
        Slot& s = m_slots[slot];
        s.done = true;
        if (reused || s.mode != Mode::live) s.file = file;
        m_changed.notify_all();
    }
    void stop()
    {
        std::lock_guard lock(m_mutex);
        m_stopped = true;
        m_changed.notify_all();
    }

    enum class Next { packet, file, end, stopped };
    /// Waits for the next thing of `slot`: a packet (moved into `out`), its whole file,
    /// its end, or a stop.
    Next next(std::size_t slot, std::optional<Packet>& out, fs::path& file)
    {
        std::unique_lock lock(m_mutex);
        m_front = slot;
        Slot& s = m_slots[slot];
        m_changed.wait(lock, [&] { return m_stopped || !s.packets.empty() || s.done; });
        if (!s.packets.empty()) {
            out = std::move(s.packets.front());
            s.packets.pop_front();
            return Next::packet;
        }
        if (!s.file.empty()) {
            file = s.file;
            s.file.clear();
            return Next::file;
        }
        return s.done ? Next::end : Next::stopped;
    }

private:
    enum class Mode { undecided, live, from_file };
    struct Slot {
        Mode mode = Mode::undecided;
        std::deque<Packet> packets;
        bool done = false;
        fs::path file;
    };
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<Slot> m_slots;
    std::size_t m_front = 0;
    bool m_stopped = false;
};

/// The stream's sound: mixed and encoded as the picture goes out, a second ahead of it,
/// so the first fragments do not wait for the whole timeline's mix.
class StreamSound {
public:
    StreamSound(const Timeline& tl, const SourceTable& sources, const RenderOptions& options,
                const Plan& plan, AudioTrackSettings track)
        : m_track(std::move(track)), m_encoder(m_track, "mp4", options.output)
    {
        m_mixer = std::make_unique<AudioMixer>(tl, sources, mix_options(tl, options, plan.range, m_track));
        // Fragments carry no edit lists: each track's first packet is presented at 0, the
        // picture's first frame and the sound's priming (what the encoder puts before the
        // first sample). So that the mix is heard in sync with the picture, its first
        // priming samples (~21 ms) are dropped: the priming is heard in their place.
        m_drop = m_encoder.priming();
    }

    const AudioEncoder& encoder() const noexcept { return m_encoder; }

    /// Mixes and queues the sound up to `until_seconds` of the stream.
    void feed(double until_seconds, Muxer& muxer, int stream, RenderResult& result)
    {
        Stopwatch t;
        while (!m_done && double(m_mixer->position()) / m_track.sample_rate < until_seconds) {
            m_mixer->mix_next(m_track.sample_rate / 2, m_chunk);
            bool last = m_mixer->position() >= m_mixer->frames();
            if (!m_started) {
                m_started = true;
                std::size_t n = std::min(std::size_t(m_drop) * std::size_t(m_track.channels), m_chunk.size());
                m_chunk.erase(m_chunk.begin(), m_chunk.begin() + std::ptrdiff_t(n));
            }
            auto packets = m_encoder.encode_more(m_chunk, last);
            for (const auto& p : packets) result.writer.audio_bytes += p.size();
            muxer.queue(stream, std::move(packets));
            m_done = last;
        }
        result.audio_seconds += t.seconds();
    }

    /// The mix's figures (read once, at the end).
    AudioMixResult stats() const { return m_mixer->stats(); }

private:
    AudioTrackSettings m_track;
    AudioEncoder m_encoder;
    std::unique_ptr<AudioMixer> m_mixer;
    int m_drop = 0;  ///< samples
    bool m_done = false, m_started = false;
    std::vector<float> m_chunk;
};

/// The fMP4 writer: the header, then each segment's packets in timeline order, the sound
/// fed a second ahead (after the first fragment). Fragments end at every keyframe (each
/// GOP), at the end of each segment as soon as it is written (not when the next segment's
/// first packet comes), and, once, after the stream's first quarter second of pictures: a
/// player shows the first picture when that much is encoded, not a whole GOP (2 s by
/// default). A fragment that does not start with a keyframe continues the one before, as
/// CMAF chunks do; pictures, segments and cache keys are those of a render.
class StreamWriter {
public:
    StreamWriter(const Timeline& tl, const SourceTable& sources, const Plan& plan,
                 const RenderOptions& options, const EncoderSettings& settings, RenderResult& result)
        : m_tl(tl),
          m_reference(settings, options.output),
          m_muxer(options.output, fragmented()),
          m_result(result)
    {
        std::optional<AudioTrackSettings> track = audio_track_for(tl, sources, options);
        if (track) {
            track->codec = "aac";  // what Media Source Extensions play beside H.264
            m_sound.emplace(tl, sources, options, plan, *track);
            result.audio = true;
            result.writer.audio_encoder = m_sound->encoder().name();
            result.writer.audio_bytes = 0;
        }
        m_video = m_muxer.add_stream(m_reference.parameters(), m_reference.time_base());
        if (m_sound)
            m_audio = m_muxer.add_stream(m_sound->encoder().parameters(), m_sound->encoder().time_base());
        m_muxer.start();
        m_joiner.emplace(m_muxer, m_video, -1, tl.output.fps, 0);
        m_first_fragment = std::max<std::int64_t>(1, (tl.output.fps / Rational(4)).ceil());
    }

    Muxer& muxer() noexcept { return m_muxer; }
    std::int64_t frames() const noexcept { return m_joiner->frames(); }

    /// Streams segment `slot` as its packets come (or its file, once complete); false when
    /// the renderer stopped first.
    bool write_segment(OrderedSegments& order, std::size_t slot, const SegmentCache& cache)
    {
        m_joiner->begin_part();
        while (true) {
            std::optional<Packet> live;
            fs::path file;
            auto what = order.next(slot, live, file);
            if (what == OrderedSegments::Next::stopped) return false;
            if (what == OrderedSegments::Next::end) {
                flush();
                return true;
            }
            if (what == OrderedSegments::Next::packet) {
                write_video(*live);
                continue;
            }
            EncodedInput input(file.string(), true);  // Annex B, as the live packets
            if (!same_codec_headers(input.video(), m_reference.parameters()))
                throw Error(ErrorCode::internal, "segment",
                            "cached segment " + file.string() + " was encoded with other codec headers",
                            "remove the cache folder " + cache.dir().string() + " and run again");
            Packet packet;
            bool is_video = false;
            while (input.next(packet, is_video)) {
                if (is_video) write_video(packet);
                packet.unref();
            }
        }
    }

    /// The rest of the sound, the trailer; false when frames are missing.
    bool finish(std::int64_t frames, bool overwrite)
    {
        if (m_joiner->frames() < frames) return false;
        if (m_sound) {
            m_sound->feed(std::numeric_limits<double>::infinity(), m_muxer, m_audio, m_result);
            m_result.audio_mix = m_sound->stats();
        }
        m_muxer.finish(overwrite);
        return true;
    }

private:
    static MuxerOptions fragmented()
    {
        MuxerOptions o;
        o.fragmented = true;
        o.container = "mp4";
        return o;
    }

    void write_video(Packet& packet)
    {
        if (m_sound) {
            // A second ahead of the picture; for the first fragment, only as far as it goes
            // (mixing and encoding more first would delay the first picture).
            const Rational& fps = m_tl.output.fps;
            Rational until = m_written < m_first_fragment ? Rational(m_first_fragment) / fps
                                                          : Rational(m_joiner->frames()) / fps + Rational(1);
            m_sound->feed(until.to_double(), m_muxer, m_audio, m_result);
        }
        m_joiner->write_video(packet);
        ++m_unflushed;
        if (++m_written == m_first_fragment) flush();
    }

    /// Ends the fragment being written (if it has any picture).
    void flush()
    {
        if (m_unflushed == 0) return;
        m_muxer.flush_fragment();
        m_unflushed = 0;
    }

    const Timeline& m_tl;
    VideoEncoder m_reference;  ///< the segments' settings: the header's codec parameters
    std::optional<StreamSound> m_sound;
    Muxer m_muxer;
    int m_video = 0, m_audio = -1;
    std::optional<Joiner> m_joiner;
    std::int64_t m_first_fragment = 1;            ///< packets in the first fragment
    std::int64_t m_written = 0, m_unflushed = 0;  ///< packets
    RenderResult& m_result;
};

}  // namespace

RenderResult stream_with_segments(const Timeline& tl, const SourceTable& sources, const Plan& plan,
                                  SegmentCache& cache, const RenderOptions& options)
{
    Stopwatch started;
    RenderResult result;
    EncoderSettings settings = encoder_settings(tl, options);
    if (settings.codec != "h264")
        throw Error(ErrorCode::usage, "segment",
                    "--stream writes H.264 (what Media Source Extensions play), not " + settings.codec,
                    "leave --codec out, or render a file with 'reel render'");
    // The header needs the codec parameters before any segment is encoded: an encoder
    // with the segments' settings gives them (each segment's are checked against them).
    settings.threads = 1;
    StreamWriter writer(tl, sources, plan, options, settings, result);
    result.first_byte_seconds = started.seconds_until(*writer.muxer().header_written());

    OrderedSegments order(plan.segments.size());
    SegmentsResult segs;
    std::exception_ptr failure;
    std::thread renderer([&] {
        try {
            segs = render_segments(tl, sources, plan, plan.segments, cache, options, &order);
        } catch (...) {
            failure = std::current_exception();
        }
        order.stop();
    });
    struct Join {
        std::thread& t;
        OrderedSegments& o;
        ~Join()
        {
            o.stop();
            if (t.joinable()) t.join();
        }
    } join{renderer, order};
    bool complete = true;
    for (std::size_t slot = 0; slot < plan.segments.size() && complete; ++slot)
        complete = writer.write_segment(order, slot, cache);
    renderer.join();
    if (failure) std::rethrow_exception(failure);
    if (!writer.finish(plan.range.size(), options.overwrite))
        throw Error(ErrorCode::internal, "segment", "the stream stopped before its end");
    if (writer.muxer().first_fragment())
        result.first_fragment_seconds = started.seconds_until(*writer.muxer().first_fragment());
    add_segment_figures(result, segs);
    result.frames = writer.frames();
    result.duration = Rational(result.frames) / tl.output.fps;
    result.writer.frames = result.frames;
    result.writer.bytes = writer.muxer().bytes();
    result.wall_seconds = started.seconds();
    return result;
}

}  // namespace reel
