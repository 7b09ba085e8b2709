// SPDX-License-Identifier: Apache-2.0
#include "media/audio_reader.h"

#include "ff/ff.h"
#include "util/error.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/rational.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>

namespace reel {
namespace {

using ff::SwrPtr;

/// An AVChannelLayout that uninitialises itself.
struct Layout {
    AVChannelLayout l{};
    Layout() = default;
    explicit Layout(int channels) { av_channel_layout_default(&l, channels); }
    ~Layout() { av_channel_layout_uninit(&l); }
    Layout(const Layout&) = delete;
    Layout& operator=(const Layout&) = delete;
    void set(const AVChannelLayout& src)
    {
        av_channel_layout_uninit(&l);
        if (src.order == AV_CHANNEL_ORDER_UNSPEC || av_channel_layout_check(&src) == 0)
            av_channel_layout_default(&l, src.nb_channels);
        else if (av_channel_layout_copy(&l, &src) < 0)
            throw std::bad_alloc();
    }
};

constexpr std::int64_t unknown_index = std::numeric_limits<std::int64_t>::min();

std::string seconds_text(double s)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f s", s);
    return buf;
}

/// Interleaved float samples for input sample indices [begin, begin + frames()).
class SampleFifo {
public:
    void reset(int channels, std::int64_t begin)
    {
        m_channels = channels;
        m_buf.clear();
        m_off = 0;
        m_begin = begin;
    }
    std::int64_t begin() const { return m_begin; }
    std::int64_t end() const { return m_begin + frames(); }
    std::int64_t frames() const { return std::int64_t(m_buf.size() - m_off) / m_channels; }
    /// Room for `n` more frames at the end; returns where to write them.
    float* grow(std::int64_t n)
    {
        std::size_t old = m_buf.size();
        m_buf.resize(old + std::size_t(n) * m_channels);
        return m_buf.data() + old;
    }
    /// Gives back the last `n` frames of a grow() that were not written.
    void shrink(std::int64_t n) { m_buf.resize(m_buf.size() - std::size_t(n) * m_channels); }
    /// Drops frames before index `x`.
    void drop_before(std::int64_t x)
    {
        std::int64_t n = std::min(x, end()) - m_begin;
        if (n <= 0) return;
        m_off += std::size_t(n) * m_channels;
        m_begin += n;
        if (m_off == m_buf.size()) {
            m_buf.clear();
            m_off = 0;
        } else if (m_off > m_buf.size() / 2 && m_off > 65536) {
            m_buf.erase(m_buf.begin(), m_buf.begin() + std::ptrdiff_t(m_off));
            m_off = 0;
        }
    }
    /// Frames [i, i + n) into dst; zeros where the fifo holds nothing.
    void copy(std::int64_t i, std::int64_t n, float* dst) const
    {
        std::int64_t a = std::clamp(m_begin, i, i + n), b = std::clamp(end(), i, i + n);
        if (b <= a) {
            std::fill(dst, dst + n * m_channels, 0.0f);
            return;
        }
        std::fill(dst, dst + (a - i) * m_channels, 0.0f);
        std::memcpy(dst + (a - i) * m_channels, m_buf.data() + m_off + std::size_t(a - m_begin) * m_channels,
                    std::size_t(b - a) * m_channels * sizeof(float));
        std::fill(dst + (b - i) * m_channels, dst + n * m_channels, 0.0f);
    }

private:
    std::vector<float> m_buf;
    std::size_t m_off = 0;
    std::int64_t m_begin = 0;
    int m_channels = 1;
};

}  // namespace

struct AudioReader::Impl {
    Impl(const MediaInfo& info, AudioReaderOptions options) : m_path(info.path), m_options(options)
    {
        if (!info.audio)
            throw Error(ErrorCode::media, "media", "\"" + info.path + "\" has no audio stream")
                .with_file(m_path);
        m_input = ff::open_input(info.path);
        int index = info.audio->index;
        if (index < 0 || index >= int(m_input->nb_streams) ||
            m_input->streams[index]->codecpar->codec_type != AVMEDIA_TYPE_AUDIO)
            index = av_find_best_stream(m_input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
        if (index < 0)
            throw Error(ErrorCode::media, "media", "\"" + m_path + "\" has no audio stream")
                .with_file(m_path);
        m_stream = m_input->streams[index];
        for (unsigned i = 0; i < m_input->nb_streams; ++i)
            if (int(i) != index) m_input->streams[i]->discard = AVDISCARD_ALL;
        const AVCodec* codec = avcodec_find_decoder(m_stream->codecpar->codec_id);
        if (!codec)
            throw Error(ErrorCode::decode, "decode",
                        "\"" + m_path + "\": no decoder for audio codec " +
                            avcodec_get_name(m_stream->codecpar->codec_id),
                        "convert the audio to a common codec (AAC, FLAC, PCM)")
                .with_file(m_path);
        m_codec.reset(avcodec_alloc_context3(codec));
        if (!m_codec) throw std::bad_alloc();
        ff::check(avcodec_parameters_to_context(m_codec.get(), m_stream->codecpar),
                  "cannot configure the audio decoder for", m_path, ErrorCode::decode);
        m_codec->thread_count = 1;
        m_codec->pkt_timebase = m_stream->time_base;
        ff::check(avcodec_open2(m_codec.get(), codec, nullptr), "cannot open the audio decoder for", m_path,
                  ErrorCode::decode);
        m_in_rate = m_codec->sample_rate > 0 ? m_codec->sample_rate : m_stream->codecpar->sample_rate;
        if (m_in_rate <= 0)
            throw Error(ErrorCode::decode, "decode",
                        "\"" + m_path + "\": the audio stream has no sample rate", "the file may be corrupt")
                .with_file(m_path);
        m_in_channels = m_stream->codecpar->ch_layout.nb_channels;
        m_packet = ff::make_packet();
        m_frame = ff::make_frame();
        m_time_base = ff::to_rational(m_stream->time_base).value_or(Rational(1, m_in_rate));

        // The origin: the video stream's start when there is one (as DecoderPool).
        auto start_of = [](const AVStream* s) {
            return s->start_time != AV_NOPTS_VALUE ? Rational(s->start_time) * *ff::to_rational(s->time_base)
                                                   : Rational(0);
        };
        Rational audio_start = start_of(m_stream);
        m_origin = audio_start;
        if (info.video && !info.still_image && info.video->index >= 0 &&
            info.video->index < int(m_input->nb_streams))
            m_origin = start_of(m_input->streams[info.video->index]);
        m_first_index = ((audio_start - m_origin) * Rational(m_in_rate)).round_half_down();
        // Where the container says the stream ends (for telling truncation from the end).
        // Not from a duration estimated from the bitrate (MP3 without a header), nor from
        // the whole file's duration when there is video (MKV has no per-stream durations,
        // and audio may rightly end before the picture).
        bool estimated = m_input->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE;
        if (!estimated) {
            if (m_stream->duration != AV_NOPTS_VALUE && m_stream->duration > 0)
                m_claimed_end = audio_start + Rational(m_stream->duration) * m_time_base - m_origin;
            else if (!info.video && m_input->duration != AV_NOPTS_VALUE && m_input->duration > 0)
                m_claimed_end =
                    Rational(m_input->duration, AV_TIME_BASE) - m_origin +
                    (m_input->start_time != AV_NOPTS_VALUE ? Rational(m_input->start_time, AV_TIME_BASE)
                                                           : Rational(0));
        }
        m_jitter = std::max<std::int64_t>(2, m_in_rate / 500);
        m_dec_end = m_first_index;
    }

    // ---- decoding into the fifo -------------------------------------------------------

    [[noreturn]] void fail(const std::string& what, std::string hint = {})
    {
        if (hint.empty())
            hint = "the file may be truncated or corrupt; check that it plays to the end, or re-encode it";
        throw Error(ErrorCode::decode, "decode", "\"" + m_path + "\": " + what, hint).with_file(m_path);
    }

    /// Throws, or (tolerate_errors) counts the error and returns.
    void decode_error(const std::string& what)
    {
        if (!m_options.tolerate_errors) fail(what);
        if (m_counters.errors++ == 0) m_counters.first_error = "\"" + m_path + "\": " + what;
    }

    double time_of_ts(std::int64_t ts) const { return (Rational(ts) * m_time_base - m_origin).to_double(); }

    /// The stage-1 converter for this frame's format, layout and rate.
    SwrContext* converter_for(const AVFrame* f)
    {
        Layout in;
        in.set(f->ch_layout);
        int rate = f->sample_rate > 0 ? f->sample_rate : m_in_rate;
        if (m_conv && f->format == m_conv_format && rate == m_conv_rate &&
            av_channel_layout_compare(&in.l, &m_conv_layout.l) == 0)
            return m_conv.get();
        Layout out(m_channels);
        SwrContext* raw = nullptr;
        ff::check(swr_alloc_set_opts2(&raw, &out.l, AV_SAMPLE_FMT_FLT, m_in_rate, &in.l,
                                      static_cast<AVSampleFormat>(f->format), rate, 0, nullptr),
                  "cannot set up audio conversion for", m_path, ErrorCode::decode);
        m_conv.reset(raw);
        ff::check(swr_init(m_conv.get()), "cannot set up audio conversion for", m_path, ErrorCode::decode);
        m_conv_format = f->format;
        m_conv_rate = rate;
        m_conv_layout.set(in.l);
        return m_conv.get();
    }

    /// Converts the decoded frame and appends it to the fifo at its timestamp.
    void take_frame()
    {
        const AVFrame* f = m_frame.get();
        ++m_counters.frames_decoded;
        m_counters.samples_decoded += f->nb_samples;
        if (f->nb_samples <= 0) return;
        std::int64_t ts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
        std::optional<std::int64_t> p;
        if (ts != AV_NOPTS_VALUE)
            p = ((Rational(ts) * m_time_base - m_origin) * Rational(m_in_rate)).round_half_down();
        if (!m_have_pos) {
            std::int64_t first = p.value_or(m_dec_end);
            if (m_after_seek && !m_seeked_to_start &&
                first > std::max(m_seek_need, m_first_index) + m_jitter) {
                // The demuxer seeked past the target: go back to the very start.
                seek_to_start();
                return;
            }
            m_have_pos = true;
            if (m_after_seek && !m_seeked_to_start) m_valid_from = first;
            m_fifo.reset(m_channels, first);
            m_dec_end = first;
        } else if (p) {
            std::int64_t d = *p - m_dec_end;
            if (d > m_jitter) {
                // A gap (a skipped packet, a hole in the timestamps): silence. Nothing
                // before keep_from is kept, so an empty fifo just moves on.
                if (m_fifo.frames() == 0 || d > 600 * std::int64_t(m_in_rate)) {
                    if (m_fifo.frames() != 0)
                        decode_error("the audio timestamps jump by " + seconds_text(double(d) / m_in_rate) +
                                     " near " + seconds_text(position_seconds()));
                    m_fifo.reset(m_channels, *p);
                } else {
                    std::fill_n(m_fifo.grow(d), d * m_channels, 0.0f);
                }
                m_dec_end = *p;
            } else if (d < -m_jitter) {
                m_overlap = -d;  // overlapping timestamps: drop the repeated part below
            }
        }
        SwrContext* conv = converter_for(f);
        int cap = swr_get_out_samples(conv, f->nb_samples);
        ff::check(cap, "cannot convert audio of", m_path, ErrorCode::decode);
        float* dst = m_fifo.grow(cap);
        std::uint8_t* out[1] = {reinterpret_cast<std::uint8_t*>(dst)};
        int n = ff::check(
            swr_convert(conv, out, cap, const_cast<const std::uint8_t**>(f->extended_data), f->nb_samples),
            "cannot convert audio of", m_path, ErrorCode::decode);
        m_fifo.shrink(cap - n);
        if (m_overlap > 0) {
            std::int64_t drop = std::min<std::int64_t>(m_overlap, n);
            // Remove `drop` frames that start at the old end.
            std::int64_t keep = n - drop;
            float* base = dst;
            std::memmove(base, base + drop * m_channels, std::size_t(keep) * m_channels * sizeof(float));
            m_fifo.shrink(drop);
            m_overlap -= drop;
            n = int(keep);
        }
        m_dec_end += n;
        trim();
    }

    /// Drops decoded samples before keep_from: they are no longer valid for reuse.
    void trim()
    {
        if (!m_have_pos) return;
        m_fifo.drop_before(m_keep_from);
        m_valid_from = std::max(m_valid_from, std::min(m_keep_from, m_dec_end));
    }

    /// Decodes one more frame into the fifo; false at the end of the stream.
    bool decode_more()
    {
        if (m_eof) return false;
        while (true) {
            int ret = avcodec_receive_frame(m_codec.get(), m_frame.get());
            if (ret >= 0) {
                take_frame();
                av_frame_unref(m_frame.get());
                return true;
            }
            if (ret == AVERROR_EOF) {
                reach_end();
                return false;
            }
            if (ret != AVERROR(EAGAIN)) {
                decode_error("cannot decode audio near " + seconds_text(position_seconds()) + " (" +
                             ff::error_string(ret) + ")");
                if (++m_error_streak > 1000) {  // a decoder stuck in its error: give up on the rest
                    reach_end();
                    return false;
                }
                continue;
            }
            m_error_streak = 0;
            if (m_draining) {
                reach_end();
                return false;
            }
            // Feed one packet of our stream.
            while (true) {
                ret = av_read_frame(m_input.get(), m_packet.get());
                if (ret < 0) {
                    if (ret != AVERROR_EOF && !avio_feof(m_input->pb))
                        decode_error("cannot read audio near " + seconds_text(position_seconds()) + " (" +
                                     ff::error_string(ret) + ")");
                    ff::check(avcodec_send_packet(m_codec.get(), nullptr),
                              "cannot flush the audio decoder of", m_path, ErrorCode::decode);
                    m_draining = true;
                    break;
                }
                if (m_packet->stream_index != m_stream->index) {
                    av_packet_unref(m_packet.get());
                    continue;
                }
                std::int64_t pts = m_packet->pts;
                ret = avcodec_send_packet(m_codec.get(), m_packet.get());
                av_packet_unref(m_packet.get());
                if (ret < 0 && ret != AVERROR(EAGAIN)) {
                    double at = pts != AV_NOPTS_VALUE ? time_of_ts(pts) : position_seconds();
                    decode_error("cannot decode audio at " + seconds_text(at) + " (" + ff::error_string(ret) +
                                 ")");
                    continue;
                }
                break;
            }
        }
    }

    double position_seconds() const
    {
        return m_have_pos ? double(m_dec_end) / m_in_rate
                          : double(std::max(m_dec_end, std::int64_t(0))) / m_in_rate;
    }

    void reach_end()
    {
        m_eof = true;
        if (!m_have_pos) {
            // Nothing decoded since the seek: the data ends before the seek target.
            m_have_pos = true;
            m_fifo.reset(m_channels, m_dec_end);
            if (m_after_seek && !m_seeked_to_start) m_valid_from = m_dec_end;
        }
    }

    /// Decodes until the fifo holds input index `upto` - 1, or the stream ends.
    void fill_to(std::int64_t upto)
    {
        while ((!m_have_pos || m_dec_end < upto) && decode_more()) {
        }
    }

    void seek(std::int64_t index)
    {
        ++m_counters.seeks;
        Rational t = Rational(index, m_in_rate) + m_origin;
        std::int64_t ts = (t / m_time_base).floor();
        int ret = av_seek_frame(m_input.get(), m_stream->index, ts, AVSEEK_FLAG_BACKWARD);
        bool to_start = false;
        if (ret < 0) {
            ret = av_seek_frame(m_input.get(), m_stream->index, start_ts(), AVSEEK_FLAG_BACKWARD);
            to_start = true;
        }
        if (ret < 0) ret = avformat_seek_file(m_input.get(), -1, INT64_MIN, 0, 0, 0);
        ff::check(ret, "cannot seek in", m_path, ErrorCode::decode);
        after_seek(to_start ? unknown_index : index, to_start);
    }

    std::int64_t start_ts() const
    {
        return m_stream->start_time != AV_NOPTS_VALUE ? m_stream->start_time : 0;
    }

    void seek_to_start()
    {
        ++m_counters.seeks;
        int ret = av_seek_frame(m_input.get(), m_stream->index, start_ts(), AVSEEK_FLAG_BACKWARD);
        if (ret < 0) ret = avformat_seek_file(m_input.get(), -1, INT64_MIN, 0, 0, 0);
        ff::check(ret, "cannot seek in", m_path, ErrorCode::decode);
        std::int64_t need = m_seek_need;
        after_seek(unknown_index, true);
        m_seek_need = need;
    }

    void after_seek(std::int64_t index, bool to_start)
    {
        avcodec_flush_buffers(m_codec.get());
        m_eof = m_draining = false;
        m_have_pos = false;
        m_after_seek = true;
        m_seeked_to_start = to_start;
        m_dec_end = to_start ? m_first_index : index;
        m_valid_from = to_start ? unknown_index : std::numeric_limits<std::int64_t>::max();
        m_overlap = 0;
        m_fifo.reset(m_channels, m_dec_end);
    }

    /// Makes the decoder deliver input from index `need` on (seeking when needed).
    void position_for(std::int64_t need)
    {
        const std::int64_t limit = 3 * std::int64_t(m_in_rate);
        bool forward;
        if (m_force_seek)
            forward = false;
        else if (m_have_pos)
            forward = need >= m_valid_from && (need < m_dec_end || m_eof || need - m_dec_end <= limit);
        else if (!m_after_seek)
            forward = need - m_first_index <= limit;  // just opened: at the start
        else
            forward = need >= m_seek_need && need - m_seek_need <= limit;
        m_force_seek = false;
        m_keep_from = need;
        if (forward) {
            trim();
            return;
        }
        m_seek_need = need;
        seek(need - m_in_rate / 5);  // 0.2 s of decoder pre-roll
    }

    // ---- requests ----------------------------------------------------------------------
    //
    // The resampler's output grid is anchored to the source, not to the request: output
    // j of the canonical stream for (speed, rate) sits at input position j × ratio
    // (ratio = in_rate × speed / out_rate, in input samples), and a request starting at
    // input position f returns canonical outputs J, J + 1, … with J = round(f / ratio). So
    // any request gets the same samples for the same instants, whether it continues an
    // earlier one or starts afresh (a range render equals the same part of a whole one).
    // Starting afresh, swresample is fed from an input index where the grid meets an
    // integer (every q outputs when ratio = p/q), early enough for its filter to see real
    // signal, and the outputs before J are dropped.

    /// Canonical output index of input position `f` (halves to the later sample).
    static std::int64_t grid_index(const Rational& f, const Rational& ratio)
    {
        return (f / ratio + Rational(1, 2)).floor();
    }

    void reset_stream(const Rational& start, const Rational& speed, int out_rate, int channels)
    {
        if (channels != m_channels) {
            // The fifo holds another layout: decode again (seeking unless just opened).
            m_force_seek = m_channels != 0 && (m_have_pos || m_after_seek);
            m_channels = channels;
            m_conv.reset();
            m_fifo.reset(m_channels, m_dec_end);
            m_have_pos = m_have_pos && !m_force_seek;
        }
        m_speed = speed;
        m_out_rate = out_rate;
        m_ratio = Rational(m_in_rate) * speed / Rational(out_rate);
        m_direct = m_ratio == Rational(1);
        Rational f = start * Rational(m_in_rate);  // the start in input samples
        m_pending.clear();
        m_pending_off = 0;
        m_next_index = grid_index(f, m_ratio);
        if (m_direct) {
            m_feed = m_next_index;
            m_skip = 0;
            m_resampler.reset();
            position_for(m_feed);
            return;
        }
        // Room for the filter (32 taps at the lower of the two rates) before the start.
        std::int64_t margin_in = 64 + 32 * std::max<std::int64_t>(1, m_ratio.ceil());
        std::int64_t margin_out = (Rational(margin_in) / m_ratio).ceil() + 1;
        std::int64_t p = m_ratio.num(), q = m_ratio.den();
        bool exact_ok = q <= 4 * std::int64_t(out_rate) && p <= INT_MAX && q <= INT_MAX;
        if (exact_ok) {
            std::int64_t j0 = m_next_index - margin_out;
            j0 = (j0 >= 0 ? j0 / q : -((-j0 + q - 1) / q)) * q;  // floor to a multiple of q
            m_feed = (Rational(j0) * m_ratio).floor();           // exact: j0 × p / q
            m_skip = m_next_index - j0;
        } else {
            // A ratio too fine for a periodic grid: align to this request only (within half
            // an output sample), approximating the ratio within 1e-9 if it is huge.
            m_feed = f.floor() - margin_in;
            m_skip = ((f - Rational(m_feed)) / m_ratio + Rational(1, 2)).floor();
        }
        position_for(m_feed);
        // swresample only needs the ratio; terms beyond 31 bits get the nearest fraction.
        int in = 0, out = 0;
        av_reduce(&in, &out, p, q, INT_MAX);
        if (in <= 0 || out <= 0)
            throw Error(ErrorCode::usage, "audio",
                        "\"" + m_path + "\": cannot play audio at speed " + speed.to_string(),
                        "use a speed between 1/1000 and 1000");
        Layout layout(m_channels);
        SwrContext* raw = nullptr;
        ff::check(swr_alloc_set_opts2(&raw, &layout.l, AV_SAMPLE_FMT_FLT, int(out), &layout.l,
                                      AV_SAMPLE_FMT_FLT, int(in), 0, nullptr),
                  "cannot set up audio resampling for", m_path, ErrorCode::decode);
        m_resampler.reset(raw);
        ff::check(swr_init(m_resampler.get()), "cannot set up audio resampling for", m_path,
                  ErrorCode::decode);
    }

    /// Fails (or counts) when the stream ended well before its container says and the
    /// request needs what is missing.
    void check_truncation(const Rational& need_end)
    {
        if (!m_eof || !m_claimed_end || m_truncation_reported) return;
        Rational data_end(m_dec_end, m_in_rate);
        Rational limit = min(need_end, *m_claimed_end);
        if (data_end + Rational(1, 2) >= limit) return;
        std::string what = "the audio stream ends at " + seconds_text(data_end.to_double()) +
                           ", but the file says it lasts until " + seconds_text(m_claimed_end->to_double()) +
                           " and the timeline needs " + seconds_text(need_end.to_double());
        if (!m_options.tolerate_errors)
            fail(what,
                 "the file is probably truncated; check that it plays to the end, or shorten the clip's "
                 "\"out\"");
        m_truncation_reported = true;
        decode_error(what);
    }

    void read(const Rational& start, std::int64_t frames, const Rational& speed, int out_rate, int channels,
              float* out)
    {
        if (frames <= 0) return;
        if (!(speed > Rational(0)) || out_rate <= 0 || channels < 1 || channels > 8)
            throw Error(ErrorCode::internal, "audio",
                        "AudioReader::read: bad arguments for \"" + m_path + "\"");
        if (!continues(start, speed, out_rate, channels)) reset_stream(start, speed, out_rate, channels);
        Rational end = start + Rational(frames) * speed / Rational(out_rate);
        // Decode what the request covers first, so truncation shows before any output.
        fill_to((end * Rational(m_in_rate)).ceil() + 1);
        check_truncation(end);
        if (m_direct) {
            fill_to(m_feed + frames);
            m_fifo.copy(m_feed, frames, out);
            m_feed += frames;
            m_keep_from = m_feed;
            trim();
        } else {
            resample(frames, out);
        }
        m_next_index += frames;
        m_active = true;
    }

    void resample(std::int64_t frames, float* out)
    {
        // Input blocks of up to 4096 samples, fewer when slowing down, so that one block
        // makes at most about 64k output frames (at speed 1/1000 a 4096 block would make
        // 4M: 32 MB per channel pair, and more in the vector's growth).
        const std::int64_t block = std::clamp<std::int64_t>((Rational(65536) * m_ratio).ceil(), 16, 4096);
        std::int64_t have = std::int64_t(m_pending.size() - m_pending_off) / m_channels;
        while (have < frames) {
            fill_to(m_feed + block);
            m_scratch.resize(std::size_t(block) * m_channels);
            m_fifo.copy(m_feed, block, m_scratch.data());
            m_feed += block;
            m_keep_from = m_feed;
            trim();
            int cap = ff::check(swr_get_out_samples(m_resampler.get(), int(block)),
                                "cannot resample audio of", m_path, ErrorCode::decode);
            std::size_t old = m_pending.size();
            m_pending.resize(old + std::size_t(cap) * m_channels);
            std::uint8_t* o[1] = {reinterpret_cast<std::uint8_t*>(m_pending.data() + old)};
            const std::uint8_t* i[1] = {reinterpret_cast<const std::uint8_t*>(m_scratch.data())};
            int n = ff::check(swr_convert(m_resampler.get(), o, cap, i, int(block)),
                              "cannot resample audio of", m_path, ErrorCode::decode);
            m_pending.resize(old + std::size_t(n) * m_channels);
            have += n;
            if (m_skip > 0) {
                std::int64_t drop = std::min(m_skip, have);
                m_pending_off += std::size_t(drop) * m_channels;
                m_skip -= drop;
                have -= drop;
            }
        }
        std::memcpy(out, m_pending.data() + m_pending_off, std::size_t(frames) * m_channels * sizeof(float));
        m_pending_off += std::size_t(frames) * m_channels;
        if (m_pending_off == m_pending.size()) {
            m_pending.clear();
            m_pending_off = 0;
        } else if (m_pending_off > 65536) {
            m_pending.erase(m_pending.begin(), m_pending.begin() + std::ptrdiff_t(m_pending_off));
            m_pending_off = 0;
        }
    }

    bool continues(const Rational& start, const Rational& speed, int out_rate, int channels) const noexcept
    {
        if (!m_active || speed != m_speed || out_rate != m_out_rate || channels != m_channels) return false;
        try {
            return grid_index(start * Rational(m_in_rate), m_ratio) == m_next_index;
        } catch (...) {
            return false;
        }
    }

    std::string m_path;
    AudioReaderOptions m_options;
    AudioReaderCounters m_counters;
    ff::InputPtr m_input;
    AVStream* m_stream = nullptr;
    ff::CodecContextPtr m_codec;
    ff::PacketPtr m_packet;
    ff::FramePtr m_frame;
    Rational m_time_base;
    Rational m_origin;
    std::optional<Rational> m_claimed_end;
    int m_in_rate = 0;
    int m_in_channels = 0;
    std::int64_t m_first_index = 0;  ///< input index of the stream's first sample (estimate)
    std::int64_t m_jitter = 2;

    // Stage 1: decoded frames → float, output layout, input rate.
    SwrPtr m_conv;
    int m_conv_format = -1, m_conv_rate = 0;
    Layout m_conv_layout;
    int m_channels = 0;
    SampleFifo m_fifo;
    std::int64_t m_dec_end = 0;                 ///< input index after the last decoded sample
    std::int64_t m_valid_from = unknown_index;  ///< the fifo is right for indices >= this
    std::int64_t m_keep_from = unknown_index;   ///< samples before this may be dropped
    std::int64_t m_seek_need = 0;
    std::int64_t m_overlap = 0;
    int m_error_streak = 0;
    bool m_have_pos = false, m_after_seek = false, m_seeked_to_start = false;
    bool m_eof = false, m_draining = false, m_truncation_reported = false, m_force_seek = false;

    // Stage 2: rate and speed.
    SwrPtr m_resampler;
    bool m_direct = true;
    bool m_active = false;
    Rational m_speed, m_ratio{1};
    std::int64_t m_next_index = 0;  ///< canonical output index the next read continues from
    int m_out_rate = 0;
    std::int64_t m_feed = 0;  ///< next input index for the resampler (or the copy)
    std::int64_t m_skip = 0;  ///< resampler outputs still to drop
    std::vector<float> m_pending, m_scratch;
    std::size_t m_pending_off = 0;
};

AudioReader::AudioReader(const MediaInfo& info, AudioReaderOptions options)
    : m_impl(std::make_unique<Impl>(info, options))
{
}

AudioReader::~AudioReader() = default;
AudioReader::AudioReader(AudioReader&&) noexcept = default;
AudioReader& AudioReader::operator=(AudioReader&&) noexcept = default;

std::vector<float> AudioReader::read(const Rational& source_start, std::int64_t frames_out,
                                     const Rational& speed, int out_rate, int out_channels)
{
    std::vector<float> out(std::size_t(std::max<std::int64_t>(frames_out, 0)) * std::max(out_channels, 0));
    read_into(source_start, frames_out, speed, out_rate, out_channels, out.data());
    return out;
}

void AudioReader::read_into(const Rational& source_start, std::int64_t frames_out, const Rational& speed,
                            int out_rate, int out_channels, float* out)
{
    m_impl->read(source_start, frames_out, speed, out_rate, out_channels, out);
}

bool AudioReader::continues(const Rational& source_start, const Rational& speed, int out_rate,
                            int out_channels) const noexcept
{
    return m_impl->continues(source_start, speed, out_rate, out_channels);
}

const std::string& AudioReader::path() const noexcept
{
    return m_impl->m_path;
}
int AudioReader::source_rate() const noexcept
{
    return m_impl->m_in_rate;
}
int AudioReader::source_channels() const noexcept
{
    return m_impl->m_in_channels;
}
const AudioReaderCounters& AudioReader::counters() const noexcept
{
    return m_impl->m_counters;
}

}  // namespace reel
