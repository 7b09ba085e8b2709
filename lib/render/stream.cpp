// SPDX-License-Identifier: Apache-2.0
#include "render/stream.h"

#include "encode/composite.h"
#include "encode/muxer.h"
#include "render/sound.h"
#include "util/error.h"
#include "util/stopwatch.h"

#include <cmath>
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
    VideoEncoder reference(settings, options.output);
    std::optional<AudioEncoder> audio_encoder;
    std::optional<AudioTrackSettings> track = audio_track_for(tl, sources, options);
    if (track) {
        track->codec = "aac";  // what Media Source Extensions play beside H.264
        audio_encoder.emplace(*track, "mp4", options.output);
    }
    MuxerOptions fragmented;
    fragmented.fragmented = true;
    fragmented.container = "mp4";
    Muxer muxer(options.output, fragmented);
    Rational frame_tb(tl.output.fps.den(), tl.output.fps.num());
    int video = muxer.add_stream(reference.parameters(), frame_tb);
    int audio =
        audio_encoder ? muxer.add_stream(audio_encoder->parameters(), audio_encoder->time_base()) : -1;
    muxer.start();
    result.first_byte_seconds = started.seconds_until(*muxer.header_written());

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

    // The sound is mixed and encoded as the picture goes out, a second ahead of it, so the
    // first fragments do not wait for the whole timeline's mix.
    std::unique_ptr<AudioMixer> mixer;
    std::int64_t lead = 0;
    bool audio_done = true, audio_started = false;
    double audio_seconds = 0;
    std::vector<float> chunk;
    if (audio_encoder) {
        mixer = std::make_unique<AudioMixer>(tl, sources, mix_options(tl, options, plan.range, *track));
        // Fragments carry no edit lists: the picture starts at the video encoder's delay
        // (below) and the sound at its priming samples, each track's first packet at 0.
        // Silence makes up the difference, so picture and sound stay in sync; without a
        // B-frame delay to cover the priming, the sound's first samples are dropped
        // instead (at most the priming, ~21 ms).
        lead = (Rational(reference.delay()) * frame_tb / audio_encoder->time_base()).round_half_down() -
               audio_encoder->priming();
        audio_done = false;
        result.audio = true;
        result.writer.audio_encoder = audio_encoder->name();
        result.writer.audio_bytes = 0;
    }
    auto feed_audio = [&](double until_seconds) {
        Stopwatch t;
        while (!audio_done && double(mixer->position()) / track->sample_rate < until_seconds) {
            mixer->mix_next(track->sample_rate / 2, chunk);
            bool last = mixer->position() >= mixer->frames();
            if (!audio_started) {
                audio_started = true;
                std::size_t n = std::size_t(std::abs(lead) * track->channels);
                if (lead > 0) chunk.insert(chunk.begin(), n, 0.0f);
                if (lead < 0)
                    chunk.erase(chunk.begin(), chunk.begin() + std::ptrdiff_t(std::min(n, chunk.size())));
            }
            auto packets = audio_encoder->encode_more(chunk, last);
            for (const auto& p : packets) result.writer.audio_bytes += p.size();
            muxer.queue(audio, std::move(packets));
            audio_done = last;
        }
        audio_seconds += t.seconds();
    };

    // Fragment decode times cannot go below zero, and an edit list to hide the B-frame
    // delay would have to be in the moov before any frame exists: the picture (and the
    // sound, above) start at the delay instead, e.g. 2/fps s for x264's veryfast.
    Joiner joiner(muxer, video, -1, tl.output.fps, 0, reference.delay());
    const StreamParams& ref = reference.parameters();
    Packet packet;
    bool stopped = false;
    for (std::size_t slot = 0; slot < plan.segments.size() && !stopped; ++slot) {
        joiner.begin_part();
        while (true) {
            std::optional<Packet> live;
            fs::path file;
            auto what = order.next(slot, live, file);
            if (what == OrderedSegments::Next::stopped) {
                stopped = true;
                break;
            }
            if (what == OrderedSegments::Next::end) break;
            double ahead = (Rational(joiner.frames()) / tl.output.fps).to_double() + 1.0;
            if (what == OrderedSegments::Next::packet) {
                feed_audio(ahead);
                joiner.write_video(*live);
                continue;
            }
            EncodedInput input(file.string(), true);  // Annex B, as the live packets
            if (!same_codec_headers(input.video(), ref))
                throw Error(ErrorCode::internal, "segment",
                            "cached segment " + file.string() + " was encoded with other codec headers",
                            "remove the cache folder " + cache.dir().string() + " and run again");
            bool is_video = false;
            while (input.next(packet, is_video)) {
                if (is_video) {
                    feed_audio((Rational(joiner.frames()) / tl.output.fps).to_double() + 1.0);
                    joiner.write_video(packet);
                }
                packet.unref();
            }
        }
    }
    renderer.join();
    if (failure) std::rethrow_exception(failure);
    if (stopped && joiner.frames() < plan.range.size() + reference.delay())
        throw Error(ErrorCode::internal, "segment", "the stream stopped before its end");
    if (mixer) {
        feed_audio(std::numeric_limits<double>::infinity());
        result.audio_mix = mixer->stats();
        result.audio_seconds = audio_seconds;
    }
    muxer.finish(options.overwrite);
    if (muxer.first_fragment())
        result.first_fragment_seconds = started.seconds_until(*muxer.first_fragment());
    add_segment_figures(result, segs);
    result.frames = joiner.frames() - reference.delay();
    result.duration = Rational(result.frames) / tl.output.fps;
    result.writer.frames = result.frames;
    result.writer.bytes = muxer.bytes();
    result.wall_seconds = started.seconds();
    return result;
}

}  // namespace reel
