// SPDX-License-Identifier: Apache-2.0
#include "render/sound.h"

#include "render/keys.h"
#include "util/error.h"
#include "util/stopwatch.h"

namespace reel {

std::optional<AudioTrackSettings> audio_track_for(const Timeline& tl, const SourceTable& sources,
                                                  const RenderOptions& options)
{
    if (options.audio != "none" && options.audio != "auto" && options.audio != "always")
        throw Error(ErrorCode::usage, "render",
                    "audio mode \"" + options.audio + "\" is not auto, always or none");
    bool heard = options.audio != "none" && timeline_has_audio(tl, sources);
    if (!heard && options.audio != "always") return std::nullopt;
    return AudioTrackSettings{tl.output.audio.sample_rate, tl.output.audio.channels, options.audio_codec, 0};
}

AudioMixOptions mix_options(const Timeline& tl, const RenderOptions& options, FrameRange range,
                            const AudioTrackSettings& track)
{
    AudioMixOptions ao;
    ao.sample_rate = track.sample_rate;
    ao.channels = track.channels;
    ao.range = TimeRange{frame_to_time(range.begin, tl.output.fps), frame_to_time(range.end, tl.output.fps)};
    ao.tolerate_errors = options.tolerate_audio_errors;
    return ao;
}

namespace {

/// Mixes and encodes a range half a second at a time: memory holds a chunk and the
/// packets, never the whole range's samples.
EncodedTrack mix_and_encode(const Timeline& tl, const SourceTable& sources, const AudioMixOptions& ao,
                            AudioEncoder& encoder, AudioMixResult& figures)
{
    EncodedTrack track;
    track.params = encoder.parameters();
    track.time_base = encoder.time_base();
    AudioMixer mixer(tl, sources, ao);
    std::vector<float> chunk;
    bool last = false;
    while (!last) {
        mixer.mix_next(ao.sample_rate / 2, chunk);
        last = mixer.position() >= mixer.frames();
        for (auto& p : encoder.encode_more(chunk, last)) track.packets.push_back(std::move(p));
    }
    figures = mixer.stats();
    return track;
}

}  // namespace

std::optional<EncodedTrack> make_sound(const Timeline& tl, const SourceTable& sources,
                                       const RenderOptions& options, FrameRange range,
                                       const std::string& container, SegmentCache& cache,
                                       RenderResult& result)
{
    Stopwatch t;
    std::optional<AudioTrackSettings> wanted = audio_track_for(tl, sources, options);
    if (!wanted) return std::nullopt;
    AudioEncoder encoder(*wanted, container, options.output);  // also checks codec and container
    std::string key = sound_key({tl, sources, *wanted, encoder.name(), range, options.tolerate_audio_errors});
    result.audio = true;
    result.writer.audio_encoder = encoder.name();
    std::optional<EncodedTrack> track;
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
        track =
            mix_and_encode(tl, sources, mix_options(tl, options, range, *wanted), encoder, result.audio_mix);
        // Published for the next render unless another process is writing the same sound.
        if (auto lock = cacheable ? cache.try_lock(key) : std::nullopt;
            lock && cache.find(key, false) != CacheLookup::found) {
            PendingFile file = cache.pending(key);
            write_track(*track, file.path().string(), true);
            cache.publish(key, file, result.audio_mix.frames);
        }
    }
    result.writer.audio_bytes = track->bytes();
    result.audio_seconds = t.seconds();
    return track;
}

}  // namespace reel
