// SPDX-License-Identifier: Apache-2.0
#include "render/segments.h"

#include "encode/composite.h"
#include "encode/muxer.h"
#include "stats/stats.h"
#include "timeline/serialize.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/stopwatch.h"

#include <nlohmann/json.hpp>

#include <tbb/info.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

namespace reel {
namespace fs = std::filesystem;
namespace {

void add(DecodeCounters& a, const DecodeCounters& b)
{
    a.decoders_opened += b.decoders_opened;
    a.seeks += b.seeks;
    a.frames_decoded += b.frames_decoded;
    a.pictures_converted += b.pictures_converted;
    a.seconds += b.seconds;
}

void add(ComposeCounters& a, const ComposeCounters& b)
{
    a.frames += b.frames;
    a.layers_drawn += b.layers_drawn;
    a.comps_rendered += b.comps_rendered;
    a.direct_frames += b.direct_frames;
    a.seconds += b.seconds;
}

void add(FrameCacheStats& a, const FrameCacheStats& b)
{
    a.hits += b.hits;
    a.misses += b.misses;
    a.evictions += b.evictions;
    a.bytes += b.bytes;
    a.peak_bytes += b.peak_bytes;
}

Error interrupted(std::int64_t done, std::int64_t total)
{
    return Error(ErrorCode::interrupted, "render",
                 "interrupted after " + std::to_string(done) + " of " + std::to_string(total) +
                     " frames; nothing was written at the output, finished segments stay in the cache",
                 "run the command again: it reuses every segment that was finished");
}

/// Hands out segments: each worker owns a contiguous run of them and takes them in
/// timeline order, so its decoders run forward; a worker that runs out takes the later
/// half of the largest run left (or its last segment).
class Runs {
public:
    Runs(const std::vector<Segment>& segments, int workers) : m_runs(std::size_t(workers))
    {
        std::int64_t total = 0;
        for (const auto& s : segments) total += s.frames.size();
        std::size_t at = 0;
        std::int64_t seen = 0;
        for (std::size_t w = 0; w < m_runs.size(); ++w) {
            std::size_t begin = at;
            std::int64_t goal = total * std::int64_t(w + 1) / workers;
            while (at < segments.size() && (seen < goal || w + 1 == m_runs.size()))
                seen += segments[at++].frames.size();
            m_runs[w] = {begin, at};
        }
    }
    /// The next segment for worker `w`, or nothing when all are taken.
    std::optional<std::size_t> take(std::size_t w)
    {
        std::lock_guard lock(m_mutex);
        auto& mine = m_runs[w];
        if (mine.first < mine.second) return mine.first++;
        std::size_t best = w, left = 0;
        for (std::size_t o = 0; o < m_runs.size(); ++o)
            if (m_runs[o].second - m_runs[o].first > left) {
                best = o;
                left = m_runs[o].second - m_runs[o].first;
            }
        if (left == 0) return std::nullopt;
        auto& theirs = m_runs[best];
        std::size_t mid = left == 1 ? theirs.first : theirs.first + (left + 1) / 2;
        mine = {mid + 1, theirs.second};
        theirs.second = mid;
        return mid;
    }

private:
    std::mutex m_mutex;
    std::vector<std::pair<std::size_t, std::size_t>> m_runs;
};

/// One worker: a decoder pool, a frame cache and a compositor kept across the segments it
/// renders (taken in timeline order, so its decoders run forward).
struct Worker {
    DecoderPool pool;
    FrameCache frames;
    Compositor compositor;
    Worker(const Timeline& tl, const SourceTable& sources, std::size_t cache_budget)
        : pool(sources, 1), frames(cache_budget), compositor(tl, pool, frames)
    {
    }
};

}  // namespace

const char* to_string(SegmentStatus status)
{
    switch (status) {
        case SegmentStatus::rendered: return "rendered";
        case SegmentStatus::reused: return "reused";
        case SegmentStatus::waited: return "waited";
    }
    return "?";
}

std::string segment_key(const Segment& segment, const EncoderSettings& s)
{
    Sha256 h;
    h.update("reel-segment-key\n" + segment.hash + "\n" + encoder_name(s.codec) + "\n" + s.codec + "\n" +
             s.preset + "\n");
    h.update(s.bitrate ? "bitrate " + std::to_string(*s.bitrate)
                       : "crf " + std::to_string(s.crf.value_or(23)));
    h.update("\ngop " + std::to_string(s.gop) + "\n" + std::to_string(s.width) + "x" +
             std::to_string(s.height) + "@" + s.fps.to_string() + "\n" + LIBAVCODEC_IDENT + "\n");
    return h.hex();
}

SegmentsResult render_segments(const Timeline& tl, const SourceTable& sources,
                               const std::vector<Segment>& segments, SegmentCache& cache,
                               const RenderOptions& options, SegmentListener* listener)
{
    Stopwatch started;
    SegmentsResult result;
    EncoderSettings settings = encoder_settings(tl, options);
    result.encoder = encoder_name(settings.codec);
    if (result.encoder.empty()) VideoEncoder probe(settings, options.output);  // throws the full message
    int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
    result.memory_budget = options.memory_budget ? options.memory_budget : default_memory_budget();
    std::size_t frame_bytes = std::size_t(tl.output.width) * std::size_t(tl.output.height) * 3 / 2;
    std::size_t per_worker = frame_bytes * (24 + 12 * std::max<std::size_t>(sources.size(), 1));
    std::size_t by_memory =
        std::max<std::size_t>(1, result.memory_budget / 2 / std::max<std::size_t>(per_worker, 1));
    // No more workers than cores (a TBB arena cannot run more at once); threads beyond
    // them go to the encoders.
    std::size_t cores = std::size_t(std::max(1, tbb::info::default_concurrency()));
    result.workers = int(std::clamp<std::size_t>(std::min({std::size_t(threads), cores, by_memory}), 1,
                                                 std::max<std::size_t>(segments.size(), 1)));
    if (options.workers > 0)
        result.workers =
            std::clamp(options.workers, 1, int(std::min(cores, std::max<std::size_t>(segments.size(), 1))));
    result.encoder_threads = std::max(1, threads / result.workers);
    settings.threads = result.encoder_threads;
    result.cache_budget = result.memory_budget / 2;  // frame caches, shared out among workers
    std::size_t worker_cache = result.cache_budget / std::size_t(result.workers);

    std::int64_t total = 0;
    for (const auto& s : segments) total += s.frames.size();
    result.outcomes.resize(segments.size());
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        keys.push_back(segment_key(segments[i], settings));
        result.outcomes[i].index = segments[i].index;
        result.outcomes[i].frames = segments[i].frames;
        result.outcomes[i].key = keys[i];
    }

    std::mutex mutex;  // guards deferred, result counters and warnings, progress
    std::deque<std::size_t> deferred;
    std::atomic<std::int64_t> done{0};
    std::atomic<bool> failed{false};
    std::exception_ptr failure;
    double last_report = -1;
    auto cancelled = [&] {
        return (options.cancel && options.cancel->load()) || (options.abort && options.abort->load());
    };
    auto report = [&](bool force) {
        if (!options.progress) return;
        std::lock_guard lock(mutex);
        double now = started.seconds();
        if (!force && now - last_report < 0.25) return;
        last_report = now;
        options.progress(RenderProgress{done.load(), total, now});
    };

    auto render_one = [&](Worker& w, std::size_t slot) {
        const Segment& seg = segments[slot];
        SegmentOutcome& out = result.outcomes[slot];
        fs::path temp = cache.temp_file(keys[slot]);
        std::int64_t frames = 0;
        {
            VideoWriter writer(temp.string(), settings, std::nullopt, MuxerOptions{false, false, "mp4"});
            if (listener) writer.observe([&](AVPacket* p) { listener->packet(slot, p); });
            for (std::int64_t f = seg.frames.begin; f < seg.frames.end; ++f) {
                if (failed || cancelled()) return false;
                writer.write(w.compositor.render(f));
                ++frames;
                ++done;
                report(false);
            }
            writer.finish(true);
            std::lock_guard lock(mutex);
            result.encode_seconds += writer.stats().encode_seconds;
        }
        try {
            cache.publish(keys[slot], temp, frames);
        } catch (...) {
            std::error_code ec;
            fs::remove(temp, ec);
            throw;
        }
        out.bytes = std::int64_t(fs::file_size(cache.file_for(keys[slot])));
        return true;
    };
    // A segment found complete in the cache: recorded, counted and handed on.
    auto reuse = [&](std::size_t slot, SegmentStatus status, const Stopwatch& t) {
        SegmentOutcome& out = result.outcomes[slot];
        out.status = status;
        out.bytes = std::int64_t(fs::file_size(cache.file_for(keys[slot])));
        out.seconds = t.seconds();
        done += segments[slot].frames.size();
        if (listener) listener->complete(slot, cache.file_for(keys[slot]), true);
        report(false);
    };
    // With the key's lock held: found now (another process finished it), or render it.
    auto locked = [&](Worker& w, std::size_t slot, bool waited_for_other) {
        Stopwatch t;
        SegmentOutcome& out = result.outcomes[slot];
        CacheLookup look = cache.find(keys[slot]);
        if (look == CacheLookup::found) {
            reuse(slot, waited_for_other ? SegmentStatus::waited : SegmentStatus::reused, t);
            return;
        }
        if (look == CacheLookup::corrupt) {
            cache.discard(keys[slot]);
            std::lock_guard lock(mutex);
            ++result.discarded;
            result.warnings.push_back("segment " + std::to_string(segments[slot].index) + " (" +
                                      keys[slot].substr(0, 16) +
                                      ") in the cache did not match its checksum; rendered again");
        }
        if (!render_one(w, slot)) return;
        out.status = SegmentStatus::rendered;
        out.seconds = t.seconds();
        if (listener) listener->complete(slot, cache.file_for(keys[slot]), false);
    };
    auto work = [&](Worker& w, std::size_t slot, bool blocking) {
        Stopwatch t;
        if (!blocking && cache.find(keys[slot]) == CacheLookup::found) {
            reuse(slot, SegmentStatus::reused, t);
            return;
        }
        if (blocking) {
            SegmentCache::KeyLock lock = cache.lock(keys[slot]);
            locked(w, slot, true);
            return;
        }
        auto lock = cache.try_lock(keys[slot]);
        if (!lock) {
            std::lock_guard guard(mutex);
            deferred.push_back(slot);
            return;
        }
        locked(w, slot, false);
    };

    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < result.workers; ++i)
        workers.push_back(std::make_unique<Worker>(tl, sources, worker_cache));
    Runs runs(segments, result.workers);
    tbb::task_arena arena(result.workers);
    arena.execute([&] {
        tbb::task_group group;
        for (int i = 0; i < result.workers; ++i)
            group.run([&, i] {
                Worker& w = *workers[std::size_t(i)];
                try {
                    while (!failed && !cancelled()) {
                        auto slot = runs.take(std::size_t(i));
                        if (!slot) break;
                        work(w, *slot, false);
                    }
                    // Segments other processes were rendering: wait for them (or take over).
                    while (!failed && !cancelled()) {
                        std::size_t slot;
                        {
                            std::lock_guard guard(mutex);
                            if (deferred.empty()) break;
                            slot = deferred.front();
                            deferred.pop_front();
                        }
                        work(w, slot, true);
                    }
                } catch (...) {
                    std::lock_guard guard(mutex);
                    if (!failure) failure = std::current_exception();
                    failed = true;
                }
            });
        group.wait();
    });
    if (failure) std::rethrow_exception(failure);
    if (cancelled()) throw interrupted(done, total);
    report(true);
    for (auto& w : workers) {
        add(result.decode, w->pool.counters());
        add(result.compose, w->compositor.counters());
        add(result.cache, w->frames.stats());
    }
    for (const auto& o : result.outcomes) {
        if (o.status == SegmentStatus::rendered) {
            ++result.rendered;
            result.frames_rendered += o.frames.size();
        } else if (o.status == SegmentStatus::reused) {
            ++result.reused;
        } else {
            ++result.waited;
        }
    }
    result.wall_seconds = started.seconds();
    return result;
}

namespace {

void fill(RenderResult& r, const SegmentsResult& s)
{
    r.segmented = true;
    r.segments = s.outcomes;
    r.segments_total = int(s.outcomes.size());
    r.segments_rendered = s.rendered;
    r.segments_reused = s.reused;
    r.segments_waited = s.waited;
    r.segments_discarded = s.discarded;
    r.workers = s.workers;
    r.encoder_threads = s.encoder_threads;
    r.threads = s.workers * s.encoder_threads;
    r.tokens = s.workers;
    r.decode = s.decode;
    r.compose = s.compose;
    r.cache = s.cache;
    r.cache_budget = s.cache_budget;
    r.memory_budget = s.memory_budget;
    r.decode_seconds = s.decode.seconds;
    r.compose_seconds = s.compose.seconds;
    r.encode_seconds = s.encode_seconds;
    r.writer.encoder = s.encoder;
    r.warnings.insert(r.warnings.end(), s.warnings.begin(), s.warnings.end());
}

/// Strips what only changes pixels from a timeline's JSON (recursively), leaving what
/// can change its sound.
void strip_picture(nlohmann::json& j)
{
    if (j.is_array()) {
        for (auto& e : j) strip_picture(e);
        return;
    }
    if (!j.is_object()) return;
    for (const char* key : {"transform", "crop", "opacity", "color", "background", "width", "height", "video",
                            "metadata", "id"})
        j.erase(key);
    for (auto& [k, v] : j.items()) strip_picture(v);
}

/// The cache key of a render's sound: the timeline without its picture-only properties,
/// the fingerprints of the sources, the track's settings, the frames it spans.
std::string sound_key(const Timeline& tl, const SourceTable& sources, const AudioTrackSettings& track,
                      const std::string& codec, std::int64_t frames, bool tolerate)
{
    nlohmann::json doc = to_json(tl);
    strip_picture(doc);
    nlohmann::json prints = nlohmann::json::object();
    for (const auto& [id, info] : sources) prints[id] = info.fingerprint;
    nlohmann::json key = {{"kind", "reel-sound"},
                          {"render_version", REEL_RENDER_VERSION},
                          {"libavcodec", LIBAVCODEC_IDENT},
                          {"timeline", std::move(doc)},
                          {"sources", std::move(prints)},
                          {"rate", track.sample_rate},
                          {"channels", track.channels},
                          {"codec", codec},
                          {"bitrate", track.bitrate},
                          {"frames", frames},
                          {"fps", tl.output.fps.to_string()},
                          {"tolerate_errors", tolerate}};
    return sha256_hex(key.dump());
}

/// The whole plan's sound, encoded for `container`: from the cache when an identical mix
/// was encoded before, else mixed, encoded and published. Nothing when no track is wanted.
std::optional<EncodedTrack> make_sound(const Timeline& tl, const SourceTable& sources,
                                       const RenderOptions& options, std::int64_t frames,
                                       const std::string& container, SegmentCache& cache,
                                       RenderResult& result)
{
    Stopwatch t;
    std::optional<AudioTrackSettings> wanted = audio_track_for(tl, sources, options);
    if (!wanted) return std::nullopt;
    AudioEncoder encoder(*wanted, container, options.output);  // also checks codec and container
    std::string key = sound_key(tl, sources, *wanted, encoder.name(), frames, options.tolerate_audio_errors);
    result.audio = true;
    result.writer.audio_encoder = encoder.name();
    EncodedTrack track;
    // With --audio-errors silence the mix carries warnings the cache does not keep: mixed
    // every time, so they are seen every time.
    bool cacheable = !options.tolerate_audio_errors;
    if (cacheable && cache.find(key) == CacheLookup::found) {
        track = read_audio_track(cache.file_for(key).string());
        result.audio_cached = true;
        result.audio_mix.sample_rate = wanted->sample_rate;
        result.audio_mix.channels = wanted->channels;
        result.audio_mix.frames = cache.frames_of(key);
    } else {
        AudioMixResult mix = mix_for_render(tl, sources, options, FrameRange{0, frames}, *wanted);
        track.packets = encoder.encode(mix.samples);
        track.time_base = encoder.time_base();
        track.params.reset(avcodec_parameters_alloc());
        if (!track.params) throw std::bad_alloc();
        ff::check(avcodec_parameters_copy(track.params.get(), encoder.parameters()),
                  "cannot keep the sound of", options.output, int(ErrorCode::encode));
        mix.samples.clear();
        mix.samples.shrink_to_fit();
        // Published for the next render unless another process is writing the same sound.
        if (auto lock = cacheable ? cache.try_lock(key) : std::nullopt;
            lock && cache.find(key, false) != CacheLookup::found) {
            fs::path temp = cache.temp_file(key);
            try {
                write_track(track, temp.string());
                cache.publish(key, temp, mix.frames);
            } catch (...) {
                std::error_code ec;
                fs::remove(temp, ec);
                throw;
            }
        }
        result.audio_mix = std::move(mix);
    }
    result.writer.audio_bytes = track.bytes();
    result.audio_seconds = t.seconds();
    return track;
}

}  // namespace

RenderResult render_into_cache(const Timeline& tl, const SourceTable& sources,
                               const std::vector<Segment>& segments, SegmentCache& cache,
                               const RenderOptions& options)
{
    RenderResult result;
    SegmentsResult segs = render_segments(tl, sources, segments, cache, options);
    fill(result, segs);
    for (const auto& s : segments) result.frames += s.frames.size();
    result.duration = Rational(result.frames) / tl.output.fps;
    result.wall_seconds = segs.wall_seconds;
    return result;
}

RenderResult render_with_segments(const Timeline& tl, const SourceTable& sources, const Plan& plan,
                                  SegmentCache& cache, const RenderOptions& options)
{
    Stopwatch started;
    RenderResult result;
    std::string container = container_for(options.output);
    EncoderSettings settings = encoder_settings(tl, options);
    check_container_codec(container, settings.codec);
    // The sound is mixed (or found in the cache) while the segments render; if it fails,
    // the segments stop too, and what was published stays for the next run.
    std::optional<EncodedTrack> sound;
    std::exception_ptr sound_failure;
    std::atomic<bool> abort{false};
    RenderOptions picture = options;
    picture.abort = &abort;
    std::thread sound_thread([&] {
        try {
            sound = make_sound(tl, sources, options, plan.frames, container, cache, result);
        } catch (...) {
            sound_failure = std::current_exception();
            abort = true;
        }
    });
    SegmentsResult segs;
    std::exception_ptr picture_failure;
    try {
        segs = render_segments(tl, sources, plan.segments, cache, picture);
    } catch (...) {
        picture_failure = std::current_exception();
    }
    sound_thread.join();
    if (sound_failure) std::rethrow_exception(sound_failure);
    if (picture_failure) std::rethrow_exception(picture_failure);
    fill(result, segs);

    Stopwatch t;
    // One segment file open at a time: each is checked against the first, then joined.
    EncodedInput first(cache.file_for(segs.outcomes[0].key).string());
    Muxer muxer(options.output);
    int video =
        muxer.add_stream(first.video(), AVRational{int(tl.output.fps.den()), int(tl.output.fps.num())});
    if (sound) {
        int audio = muxer.add_stream(sound->params.get(), sound->time_base);
        muxer.queue(audio, std::move(sound->packets));
    }
    muxer.start();
    Joiner joiner(muxer, video, -1, tl.output.fps, 0);
    joiner.append(first, options.cancel);
    for (std::size_t i = 1; i < segs.outcomes.size(); ++i) {
        EncodedInput input(cache.file_for(segs.outcomes[i].key).string());
        std::string why = incompatibility(first, input);
        if (!why.empty())
            throw Error(ErrorCode::internal, "composite",
                        "cached segment " + std::to_string(segs.outcomes[i].index) +
                            " cannot follow segment " + std::to_string(segs.outcomes[0].index) + ": " + why,
                        "remove the cache folder " + cache.dir().string() + " and render again");
        joiner.append(input, options.cancel);
    }
    muxer.finish(options.overwrite);
    result.composite_seconds = t.seconds();
    result.frames = joiner.frames();
    result.duration = Rational(result.frames) / tl.output.fps;
    result.writer.frames = result.frames;
    result.writer.bytes = muxer.bytes();
    result.wall_seconds = started.seconds();
    return result;
}

namespace {

/// Hands segments to the streaming writer in timeline order: packets of segments being
/// encoded as they come, files of finished or cached ones.
class OrderedSegments : public SegmentListener {
public:
    explicit OrderedSegments(std::size_t n) : m_slots(n) {}

    /// Packets are kept only for the segment next in line (the writer streams them as they
    /// come); a segment that starts further ahead is read back from its file when
    /// complete, so memory holds about one segment's packets.
    void packet(std::size_t slot, AVPacket* packet) override
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
        ff::PacketPtr copy = ff::make_packet();
        ff::check(av_packet_ref(copy.get(), packet), "cannot keep a packet for", "the stream",
                  int(ErrorCode::encode));
        s.packets.push_back(std::move(copy));
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
    Next next(std::size_t slot, ff::PacketPtr& out, fs::path& file)
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
        std::deque<ff::PacketPtr> packets;
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
    Muxer muxer(options.output, MuxerOptions{true, false, "mp4"});
    AVRational frame_tb{int(tl.output.fps.den()), int(tl.output.fps.num())};
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
            segs = render_segments(tl, sources, plan.segments, cache, options, &order);
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
        AudioMixOptions ao;
        ao.sample_rate = track->sample_rate;
        ao.channels = track->channels;
        ao.range = TimeRange{Rational(0), frame_to_time(plan.frames, tl.output.fps)};
        ao.tolerate_errors = options.tolerate_audio_errors;
        mixer = std::make_unique<AudioMixer>(tl, sources, ao);
        // Fragments carry no edit lists: the picture starts at the video encoder's delay
        // (below) and the sound at its priming samples, each track's first packet at 0.
        // Silence makes up the difference, so picture and sound stay in sync; without a
        // B-frame delay to cover the priming, the sound's first samples are dropped
        // instead (at most the priming, ~21 ms).
        lead =
            av_rescale_q(reference.delay(), frame_tb, audio_encoder->time_base()) - audio_encoder->priming();
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
            for (const auto& p : packets) result.writer.audio_bytes += p->size;
            muxer.queue(audio, std::move(packets));
            audio_done = last;
        }
        audio_seconds += t.seconds();
    };

    // Fragment decode times cannot go below zero, and an edit list to hide the B-frame
    // delay would have to be in the moov before any frame exists: the picture (and the
    // sound, above) start at the delay instead, e.g. 2/fps s for x264's veryfast.
    Joiner joiner(muxer, video, -1, tl.output.fps, 0, reference.delay());
    const AVCodecParameters* ref = reference.parameters();
    ff::PacketPtr packet = ff::make_packet();
    bool stopped = false;
    for (std::size_t slot = 0; slot < plan.segments.size() && !stopped; ++slot) {
        joiner.begin_part();
        while (true) {
            ff::PacketPtr live;
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
                joiner.write_video(live.get());
                continue;
            }
            EncodedInput input(file.string(), true);  // Annex B, as the live packets
            if (!same_codec_headers(input.video(), ref))
                throw Error(ErrorCode::internal, "segment",
                            "cached segment " + file.string() + " was encoded with other codec headers",
                            "remove the cache folder " + cache.dir().string() + " and run again");
            bool is_video = false;
            while (input.next(packet.get(), is_video)) {
                if (is_video) {
                    feed_audio((Rational(joiner.frames()) / tl.output.fps).to_double() + 1.0);
                    joiner.write_video(packet.get());
                }
                av_packet_unref(packet.get());
            }
        }
    }
    renderer.join();
    if (failure) std::rethrow_exception(failure);
    if (stopped && joiner.frames() < plan.frames + reference.delay())
        throw Error(ErrorCode::internal, "segment", "the stream stopped before its end");
    if (mixer) {
        feed_audio(std::numeric_limits<double>::infinity());
        result.audio_mix = mixer->stats();
        result.audio_seconds = audio_seconds;
    }
    muxer.finish(options.overwrite);
    if (muxer.first_fragment())
        result.first_fragment_seconds = started.seconds_until(*muxer.first_fragment());
    fill(result, segs);
    result.frames = joiner.frames() - reference.delay();
    result.duration = Rational(result.frames) / tl.output.fps;
    result.writer.frames = result.frames;
    result.writer.bytes = muxer.bytes();
    result.wall_seconds = started.seconds();
    return result;
}

}  // namespace reel
