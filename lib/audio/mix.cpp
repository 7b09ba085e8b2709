// SPDX-License-Identifier: Apache-2.0
#include "audio/mix.h"

#include "media/audio_reader.h"
#include "timeline/parse.h"
#include "util/error.h"
#include "util/stopwatch.h"

#include <algorithm>
#include <cmath>

namespace reel {
namespace {

constexpr double half_pi = 1.57079632679489661923;

/// Root time T to a level's parent time: t = a + (T − b) × s.
struct Map {
    Rational a, b, s{1};
    Rational to_root(const Rational& t) const { return b + (t - a) / s; }
};

/// One item on the way from the root to a clip, with the volume it applies.
struct Level {
    double a = 0, b = 0, s = 1;  // the Map, in doubles, for envelopes
    double gain = 1;
    double start = 0, end = 0, fade_in = 0, fade_out = 0;
    bool xin = false, xout = false;
    double xin_start = 0, xin_dur = 1, xout_start = 0, xout_dur = 1;
    bool constant = true;  // no fades or transitions

    double factor(double T) const
    {
        if (constant) return gain;
        double t = a + (T - b) * s, f = gain;
        if (fade_in > 0) {
            double into = t - start;
            if (into < fade_in) f *= std::clamp(into / fade_in, 0.0, 1.0);
        }
        if (fade_out > 0) {
            double left = end - t;
            if (left < fade_out) f *= std::clamp(left / fade_out, 0.0, 1.0);
        }
        if (xin) {
            double w = (t - xin_start) / xin_dur;
            if (w < 1) f *= std::sin(std::clamp(w, 0.0, 1.0) * half_pi);
        }
        if (xout) {
            double w = (t - xout_start) / xout_dur;
            if (w > 0) f *= std::cos(std::clamp(w, 0.0, 1.0) * half_pi);
        }
        return f;
    }
};

/// One clip heard once: a clip at the root, or inside comp items (once per path).
struct Use {
    const Item* leaf = nullptr;
    const MediaInfo* info = nullptr;
    std::string media, label;
    std::vector<Level> levels;  // outermost first, the clip last
    Rational in, speed;
    std::int64_t anchor = 0;          // timeline sample where source time `in` plays
    std::int64_t begin = 0, end = 0;  // timeline samples where it sounds
    AudioReader* reader = nullptr;
    bool counted = false, warned = false;

    double gain(double T) const
    {
        double g = 1;
        for (const auto& l : levels) g *= l.factor(T);
        return g;
    }
};

Level make_level(const Track& track, std::size_t k, const Map& m)
{
    const Item& it = track.items[k];
    Level l;
    l.a = m.a.to_double();
    l.b = m.b.to_double();
    l.s = m.s.to_double();
    l.gain = std::pow(10.0, it.gain_db / 20.0);
    l.start = it.start.to_double();
    l.end = it.end.to_double();
    l.fade_in = it.fade_in.to_double();
    l.fade_out = it.fade_out.to_double();
    if (it.transition_in && k > 0 && it.transition_in->duration > Rational(0)) {
        l.xin = true;
        l.xin_start = l.start;
        l.xin_dur = it.transition_in->duration.to_double();
    }
    if (k + 1 < track.items.size()) {
        const Item& next = track.items[k + 1];
        if (next.transition_in && next.transition_in->duration > Rational(0)) {
            l.xout = true;
            l.xout_start = next.start.to_double();
            l.xout_dur = next.transition_in->duration.to_double();
        }
    }
    l.constant = l.fade_in <= 0 && l.fade_out <= 0 && !l.xin && !l.xout;
    return l;
}

struct Collector {
    const Timeline& tl;
    const std::map<std::string, MediaInfo>& sources;
    Rational rate;
    std::vector<Use> uses;
    std::vector<Level> chain;
    std::vector<const Item*> comps;  // comp items around the current composition

    void walk(const Composition& comp, const Map& m, const Rational& w0, const Rational& w1)
    {
        for (const auto& track : comp.tracks) {
            if (!track.enabled || track.mute) continue;
            for (std::size_t k = 0; k < track.items.size(); ++k) {
                const Item& it = track.items[k];
                if (!it.enabled || it.mute) continue;
                if (it.type != ItemType::clip && it.type != ItemType::comp) continue;
                const MediaInfo* info = nullptr;
                if (it.type == ItemType::clip) {
                    auto s = sources.find(it.media);
                    if (s == sources.end())
                        throw Error(
                            ErrorCode::internal, "audio",
                            "media \"" + it.media + "\" of clip \"" + it.label() + "\" was not probed")
                            .with_item(it.label());
                    if (!s->second.audio) continue;
                    info = &s->second;
                }
                if (!(it.speed > Rational(0))) continue;
                Rational i0 = m.to_root(it.start), i1 = m.to_root(it.end);
                Rational n0 = max(w0, i0), n1 = min(w1, i1);
                if (n0 >= n1) continue;
                chain.push_back(make_level(track, k, m));
                if (info) {
                    Use u;
                    u.leaf = &it;
                    u.info = info;
                    u.media = it.media;
                    u.label = "clip \"" + it.label() + "\"";
                    if (!comps.empty()) u.label += " (inside comp item \"" + comps.front()->label() + "\")";
                    u.levels = chain;
                    u.in = it.in;
                    u.speed = m.s * it.speed;
                    u.anchor = time_to_frame(i0, rate);
                    u.begin = time_to_frame(n0, rate);
                    u.end = time_to_frame(n1, rate);
                    if (u.end > u.begin) uses.push_back(std::move(u));
                } else {
                    Map inner{it.in + (m.a - it.start) * it.speed, m.b, m.s * it.speed};
                    comps.push_back(&it);
                    walk(tl.composition(it.comp), inner, n0, n1);
                    comps.pop_back();
                }
                chain.pop_back();
            }
        }
    }
};

std::vector<Use> collect_uses(const Timeline& tl, const std::map<std::string, MediaInfo>& sources, int rate)
{
    Collector c{tl, sources, Rational(rate), {}, {}, {}};
    c.walk(tl.root, Map{}, Rational(0), tl.root.duration);
    std::stable_sort(c.uses.begin(), c.uses.end(),
                     [](const Use& x, const Use& y) { return x.begin < y.begin; });
    return std::move(c.uses);
}

}  // namespace

double soft_limit(double x) noexcept
{
    if (std::isnan(x)) return 0;
    double m = std::fabs(x);
    if (m <= limiter_threshold) return x;
    constexpr double room = limiter_ceiling - limiter_threshold;
    double y = limiter_threshold + room * std::tanh((m - limiter_threshold) / room);
    return x < 0 ? -y : y;
}

struct AudioMixer::Impl {
    const Timeline& tl;
    AudioMixOptions options;
    std::vector<Use> uses;
    std::int64_t first = 0, end = 0, pos = 0;
    std::vector<std::unique_ptr<AudioReader>> readers;
    std::map<std::string, std::vector<AudioReader*>> idle;
    std::vector<float> scratch;
    AudioMixResult stats;

    Impl(const Timeline& timeline, const std::map<std::string, MediaInfo>& sources, const AudioMixOptions& o)
        : tl(timeline), options(o)
    {
        if (o.sample_rate <= 0 || o.channels < 1 || o.channels > 8)
            throw Error(ErrorCode::usage, "audio",
                        "audio output of " + std::to_string(o.channels) + " channels at " +
                            std::to_string(o.sample_rate) + " Hz is not supported",
                        "use 1, 2 or 6 channels and a positive sample rate");
        uses = collect_uses(tl, sources, o.sample_rate);
        TimeRange range = o.range.value_or(TimeRange{Rational(0), tl.root.duration});
        Rational rate(o.sample_rate);
        first = time_to_frame(range.start, rate);
        end = std::max(first, time_to_frame(range.end, rate));
        pos = first;
        stats.sample_rate = o.sample_rate;
        stats.channels = o.channels;
        stats.first_frame = first;
        stats.any_audio = !uses.empty();
    }

    /// A reader's message without its leading "\"file\": " (the caller names the file).
    static std::string detail(const Use& u, std::string message)
    {
        std::string prefix = "\"" + u.info->path + "\": ";
        if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
        return message;
    }

    /// The reader's error, naming the item in front of the file; located at the item in
    /// the project (as plan.cpp locates media errors).
    [[noreturn]] void rethrow(const Use& u, const Error& e)
    {
        Error located(e.code(), "audio", u.label + " (" + u.info->path + "): " + detail(u, e.message()),
                      e.hint());
        located.with_item(u.leaf->id).with_pointer(u.leaf->pointer);
        throw locate(tl, located);
    }

    void acquire(Use& u, const Rational& src)
    {
        auto& pool = idle[u.media];
        auto pick = std::find_if(pool.begin(), pool.end(), [&](AudioReader* r) {
            return r->continues(src, u.speed, options.sample_rate, options.channels);
        });
        if (pick == pool.end() && !pool.empty()) pick = pool.end() - 1;  // most recently used
        if (pick != pool.end()) {
            u.reader = *pick;
            pool.erase(pick);
            return;
        }
        try {
            readers.push_back(
                std::make_unique<AudioReader>(*u.info, AudioReaderOptions{options.tolerate_errors}));
        } catch (const Error& e) {
            rethrow(u, e);
        }
        u.reader = readers.back().get();
    }

    void release(Use& u)
    {
        if (!u.reader) return;
        idle[u.media].push_back(u.reader);
        u.reader = nullptr;
    }

    std::int64_t mix_next(std::int64_t max_frames, std::vector<float>& out)
    {
        Stopwatch started;
        const int ch = options.channels;
        const double rate = options.sample_rate;
        std::int64_t n = std::clamp<std::int64_t>(end - pos, 0, std::max<std::int64_t>(max_frames, 0));
        out.assign(std::size_t(n) * ch, 0.0f);
        if (n == 0) return 0;
        std::vector<double> gains;
        for (auto& u : uses) {
            if (u.end <= pos) continue;
            if (u.begin >= pos + n) break;
            std::int64_t a = std::max(u.begin, pos), b = std::min(u.end, pos + n), len = b - a;
            Rational src = u.in + Rational(a - u.anchor) * u.speed / Rational(options.sample_rate);
            if (!u.reader) acquire(u, src);
            if (!u.counted) {
                u.counted = true;
                ++stats.items_mixed;
            }
            scratch.resize(std::size_t(len) * ch);
            std::int64_t errors_before = u.reader->counters().errors;
            try {
                u.reader->read_into(src, len, u.speed, options.sample_rate, ch, scratch.data());
            } catch (const Error& e) {
                rethrow(u, e);
            }
            if (u.reader->counters().errors != errors_before && !u.warned) {
                u.warned = true;
                stats.warnings.push_back(u.label + " (" + u.info->path +
                                         "): undecodable audio rendered as silence (" +
                                         detail(u, u.reader->counters().first_error) + ")");
            }
            float* dst = out.data() + std::size_t(a - pos) * ch;
            bool constant =
                std::all_of(u.levels.begin(), u.levels.end(), [](const Level& l) { return l.constant; });
            if (constant) {
                float g = float(u.gain(0));
                for (std::size_t i = 0; i < scratch.size(); ++i) dst[i] += g * scratch[i];
            } else {
                for (std::int64_t k = 0; k < len; ++k) {
                    float g = float(u.gain(double(a + k) / rate));
                    for (int c = 0; c < ch; ++c) dst[k * ch + c] += g * scratch[std::size_t(k) * ch + c];
                }
            }
            stats.samples_mixed += len;
        }
        // Readers go back to the pool after the chunk, so uses overlapping within it never
        // share one (each would seek back and forth).
        for (auto& u : uses) {
            if (u.begin >= pos + n) break;
            if (u.reader && u.end <= pos + n) release(u);
        }
        // The clip-safe stage.
        for (float& x : out) {
            double v = x, m = std::fabs(v);
            if (m > stats.peak) stats.peak = m;
            if (m > limiter_threshold) {
                ++stats.clipped_samples;
                x = float(soft_limit(v));
            }
            double mo = std::fabs(double(x));
            if (mo > stats.peak_out) stats.peak_out = mo;
        }
        pos += n;
        stats.seconds += started.seconds();
        return n;
    }

    AudioMixResult snapshot() const
    {
        AudioMixResult r = stats;
        r.frames = pos - first;
        r.decoders_opened = std::int64_t(readers.size());
        r.seeks = 0;
        r.decode_errors = 0;
        for (const auto& rd : readers) {
            r.seeks += rd->counters().seeks;
            r.decode_errors += rd->counters().errors;
        }
        return r;
    }
};

AudioMixer::AudioMixer(const Timeline& resolved, const std::map<std::string, MediaInfo>& sources,
                       const AudioMixOptions& options)
    : m_impl(std::make_unique<Impl>(resolved, sources, options))
{
}

AudioMixer::~AudioMixer() = default;

std::int64_t AudioMixer::first_frame() const noexcept
{
    return m_impl->first;
}
std::int64_t AudioMixer::frames() const noexcept
{
    return m_impl->end - m_impl->first;
}
std::int64_t AudioMixer::position() const noexcept
{
    return m_impl->pos - m_impl->first;
}

std::int64_t AudioMixer::mix_next(std::int64_t max_frames, std::vector<float>& out)
{
    return m_impl->mix_next(max_frames, out);
}

AudioMixResult AudioMixer::stats() const
{
    return m_impl->snapshot();
}

AudioMixResult mix_audio(const Timeline& resolved, const std::map<std::string, MediaInfo>& sources,
                         const AudioMixOptions& options)
{
    AudioMixer mixer(resolved, sources, options);
    std::vector<float> all, chunk;
    all.reserve(std::size_t(mixer.frames()) * options.channels);
    while (mixer.mix_next(options.sample_rate, chunk) > 0) all.insert(all.end(), chunk.begin(), chunk.end());
    AudioMixResult r = mixer.stats();
    r.samples = std::move(all);
    return r;
}

bool timeline_has_audio(const Timeline& resolved, const std::map<std::string, MediaInfo>& sources)
{
    return !collect_uses(resolved, sources, 48000).empty();
}

}  // namespace reel
