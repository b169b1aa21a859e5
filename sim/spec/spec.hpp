// The experiment description: a JSON spec parsed into typed, validated values.
//
// Nothing here runs anything. The runner builds a circuit and a model from an
// ExperimentSpec; `somnus validate` stops after parsing it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "data/params.hpp"
#include "neuromod/params.hpp"
#include "sim/spec/reader.hpp"

namespace somnus {

// ---- modules ---------------------------------------------------------------
// What a module is in the circuit; a module type (e.g. "pad_encoder") has one kind.
enum class ModuleKind { encoder, generator, discriminator, hippocampus, conductor, dream };
const char* to_string(ModuleKind kind);

// Parameters of a module from the dream literature (sim/model/dream_module.hpp); each type derives its own.
struct DreamModuleParams {
    virtual ~DreamModuleParams() = default;
};

// A module's parameters: the value its type's parser returned (AreaParams,
// HippocampusParams, ...); a probe's too (ProbeSpec). Module types and probes register
// themselves (sim/spec/catalog.hpp), so the set of parameter types is open; the code
// that knows a type asks for it.
class ModuleParams {
public:
    ModuleParams() = default;
    template <class P, class = std::enable_if_t<!std::is_same_v<std::decay_t<P>, ModuleParams>>>
    ModuleParams(P params)  // NOLINT: implicit, so a parser returns its own struct
        : value_(std::make_shared<const P>(std::move(params))), type_(&typeid(P)) {}

    // The parameters if they are a P, else null.
    template <class P>
    const P* get_if() const {
        return type_ && *type_ == typeid(P) ? static_cast<const P*>(value_.get()) : nullptr;
    }
    // The parameters, which the caller knows to be a P (its module type's); a logic error otherwise.
    template <class P>
    const P& get() const {
        if (const P* p = get_if<P>()) return *p;
        throw std::logic_error(std::string("module parameters asked for as ") + typeid(P).name() + ", held as " +
                               (type_ ? type_->name() : "nothing"));
    }

private:
    std::shared_ptr<const void> value_;
    const std::type_info* type_ = nullptr;
};

struct ModuleSpec {
    std::string name;
    std::string type;
    ModuleKind kind = ModuleKind::encoder;
    ModuleParams params;
    std::string pointer;  // where it was declared, for later errors
};

// ---- pathways --------------------------------------------------------------

struct PathwaySpec {
    std::string from;
    std::string to;
    PathwayKind kind = PathwayKind::feedforward;
    // The layer of `from` it carries ("" = the module's default): discriminator
    // neurons read this layer of the encoder (by default the one below the latent).
    std::string layer;
    std::string pointer;
};

// ---- brain states ----------------------------------------------------------
// Parameters of one brain state; each state type derives its own.
struct StateParams {
    virtual ~StateParams() = default;
};

struct StateSpec {
    std::string name;  // e.g. "rem"; the conductor's levels are keyed by it
    std::string type;  // registered state type, e.g. "rem"
    std::shared_ptr<const StateParams> params;
    std::string pointer;
};

// ---- schedule, training, recording, evaluation ------------------------------
// One stretch of a night: a brain state run for some mini-batches.
struct NightEpisode {
    std::string state;
    std::int64_t iterations = 0;
    std::string pointer;
};

// The night after each day: `cycles` repetitions of the episodes, in order
// (e.g. NREM 40 then REM 20, four times). No cycles = no separate night.
struct NightSpec {
    std::int64_t cycles = 0;
    std::vector<NightEpisode> episodes;
    std::int64_t iterations() const;  // of one undisturbed night
};

// What a sleep protocol does to the nights (and day cycles) of chosen epochs.
// Applied in this order: episode_scale, night_length, fragment, deprive.
struct SleepProtocol {
    std::string name;                  // for the timeline and the log
    std::vector<std::int64_t> epochs;  // empty = every epoch; negative counts from the end
    // States taken away: their night episodes and their place in the day's cycle.
    // "sleep" = every state that does not run on sensory input.
    std::vector<std::string> deprive;
    bool deprive_listed = false;  // given as a list (errors point into it) rather than one name
    std::string instead;          // state run in the deprived night time (e.g. "wake": kept awake); "" = time removed
    std::map<std::string, double> episode_scale;  // state -> factor on its episodes (REM rebound: {"rem": 2})
    double night_length = 1.0;        // < 1 restricted sleep (the night is cut short), > 1 recovery sleep (more cycles)
    std::int64_t fragment_every = 0;  // an arousal after every k sleep iterations; 0 = none
    std::string arousal_state;        // state of an arousal ("" = the first state of the day's cycle)
    std::int64_t arousal_iterations = 1;
    bool restart_cycle = true;  // after an arousal sleep starts again at the night's first episode
    // Targeted memory reactivation: in the night's replay, memories of the cued classes
    // (or stored on the cued day) are drawn `cue_factor` times as often as the others.
    std::vector<std::int64_t> cue_classes;
    std::int64_t cue_day = -1;  // 0-based day (epoch) whose memories are cued; -1 = none
    double cue_factor = 1.0;
    bool cues() const { return !cue_classes.empty() || cue_day >= 0; }
    // Whether it acts on `epoch` of a schedule of `epochs_total`.
    bool acts_on(std::int64_t epoch, std::int64_t epochs_total) const;
    std::string pointer;
};

struct ScheduleSpec {
    std::int64_t epochs =
        2;  // 0 = no training: evaluate the initialised model. An epoch is a day and the night after it
    std::int64_t batch_size = 64;
    // The day: brain states run in order on every mini-batch of the training data
    // (PAD's reference interleaves Wake, NREM and REM on each mini-batch).
    std::vector<std::string> cycle{"wake", "nrem", "rem"};
    std::int64_t day_iterations = 0;  // mini-batches per day; 0 = one pass over the training set
    NightSpec night;
    std::vector<SleepProtocol> protocols;
    // What each day shows: every class (interleaved: empty), or one list of classes
    // per day (epoch), e.g. a split of the classes over the days. A day's length
    // (day_iterations 0) is one pass over its images.
    std::vector<std::vector<std::int64_t>> day_classes;
    std::string days = "interleaved";  // as given: "interleaved", "split" or "list"
    // The classes of day `epoch` (empty: every class).
    const std::vector<std::int64_t>& classes_of_day(std::int64_t epoch) const;
    bool days_differ() const { return !day_classes.empty(); }
    // Every state the schedule can run (day cycle, night episodes, arousals, replacements), in order of appearance.
    std::vector<std::string> states_run() const;
};

struct OptimizerSpec {
    double lr = 2e-4;
    double beta1 = 0.5;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;  // L2 added to the gradient, as torch.optim.Adam does (not AdamW)
};

// How a mean squared error is normalised: over every element (the reference code),
// or summed over pixels or latents and averaged over the batch (the paper's equations).
enum class LossNormalisation { element_mean, batch_mean };
inline const EnumNames<LossNormalisation>& enum_names(LossNormalisation) {
    static const EnumNames<LossNormalisation> names{{LossNormalisation::element_mean, "element_mean"},
                                                    {LossNormalisation::batch_mean, "batch_mean"}};
    return names;
}

struct TrainingSpec {
    OptimizerSpec encoder;
    OptimizerSpec generator;
    OptimizerSpec critic{4e-4, 0.5, 0.99, 1e-8, 0.0};  // the WGAN critics of adversarial wake-sleep
    // Reference (PyTorch 1.x) semantics: zero_grad() keeps zero-filled gradients, so every
    // optimizer step moves all parameters that ever had a gradient on Adam momentum.
    // false = PyTorch 2 semantics (gradients set to none, untouched parameters stay put).
    bool adam_steps_on_zero_grad = true;
    LossNormalisation loss_normalisation = LossNormalisation::element_mean;
};

// Whether `epoch` is one of `epochs` (negative entries count from the end of a run of `total` epochs).
bool epoch_listed(const std::vector<std::int64_t>& epochs, std::int64_t epoch, std::int64_t total);

// A probe the spec's "record" turns on or off (sim/spec/catalog.hpp: ProbeType; the
// probes live in sim/record/*_probe.cpp and register there, one line each).
struct ProbeSpec {
    std::string name;  // its type's name, its key under "record", e.g. "activity"
    bool enabled = true;
    ModuleParams params;  // what its type's parser returned; empty for a probe that is only switched
    std::string pointer;  // where it was declared ("/record/activity"), for later errors
};

struct RecordSpec {
    std::string path = "runs/pad.h5";  // HDF5 log; the checkpoint goes next to it (.pt)
    std::int64_t progress_every = 25;  // iterations between progress lines
    bool checkpoint = true;
    std::int64_t flush_every = 0;  // iterations between mid-epoch flushes; 0 = at epoch ends only
    // Iterations between reads of the steps' losses and observables from the device
    // to the host, one transfer per window; 0 = automatic: every step on the CPU,
    // every progress_every iterations on a GPU. Changes no value, only when it is read.
    std::int64_t read_every = 0;
    // Iterations between resumable checkpoints (<log>.resume.pt) inside an epoch; 0 = at
    // epoch ends (after their evaluation) and when the run is stopped only.
    std::int64_t checkpoint_every = 0;
    // Every registered probe, in registration order, as the spec turns it on or off.
    std::vector<ProbeSpec> probes;

    const ProbeSpec* probe(const std::string& name) const;  // null if no probe of that name is registered
    // Whether a probe that runs shows the areas test images (the runner loads the test set).
    bool shows_test_images() const;
};

// What the readout's classifiers see: the latents as they are (the paper's protocol),
// or each latent dimension z-scored with training-set statistics (a steadier readout at lr 0.2).
enum class ReadoutFeatures { raw, standardized };
inline const EnumNames<ReadoutFeatures>& enum_names(ReadoutFeatures) {
    static const EnumNames<ReadoutFeatures> names{{ReadoutFeatures::raw, "raw"},
                                                  {ReadoutFeatures::standardized, "standardized"}};
    return names;
}

struct ReadoutSpec {
    bool enabled = true;
    std::int64_t epochs = 20;
    double lr = 0.2;
    std::int64_t batch_size = 64;
    std::int64_t train_images = 0;  // 0 = the whole training set (the paper's protocol)
    std::int64_t test_images = 0;   // 0 = the whole test set
    std::vector<std::int64_t> seeds{0};
    ReadoutFeatures features = ReadoutFeatures::raw;
    // Trained to convergence (off by default: the reference trains a fixed number of
    // epochs): the last validation_images of the readout's training images are held
    // out, each classifier trains on the rest until `patience` epochs in a row have
    // not lowered its validation cross-entropy by more than min_improvement (nats),
    // `epochs` at most, and is tested as it was after its best validation epoch
    // (sim/eval/classifiers.hpp: ValidationStop).
    std::int64_t validation_images = 0;
    std::int64_t patience = 5;
    double min_improvement = 1e-4;
    // Robustness (the paper's Fig. 5 protocol): the classifiers trained on clean
    // latents, tested on latents of test images occluded by tile x tile grey
    // squares, each square dropped with these probabilities; one mask per image,
    // drawn from occlusion_seed so every encoder sees the same masks.
    std::vector<double> occlusion_levels{0.1, 0.3, 0.5, 0.7};
    std::int64_t occlusion_tile = 4;
    std::int64_t occlusion_seed = 0;
    // Perturbations no learning rule trains on (data/perturbations.hpp), tested the
    // same way: one test per entry, none by default. Gaussian pixel noise of these
    // sigmas (normalised intensity, clamped to the test images' range), Gaussian blur
    // of these sigmas (pixels), translations by these many pixels (a random one of
    // four directions per image, the uncovered strip the test images' darkest value).
    // Noise and shifts draw from perturbation_seed, the same for every encoder.
    std::vector<double> noise_sigmas;
    std::vector<double> blur_sigmas;
    std::vector<std::int64_t> shift_pixels;
    std::int64_t perturbation_seed = 0;
};

// k-nearest-neighbour readout: each test latent takes the majority class of its k
// nearest training latents (Euclidean distance, after z-scoring each dimension with
// the training latents' statistics when features = standardized). A tie between
// classes goes to the class whose tied neighbours are nearer (lower summed rank).
// No training, no seed: a readout of the latent space's local structure that no
// learning rate or number of epochs can change.
struct KnnSpec {
    bool enabled = false;
    std::vector<std::int64_t> k{1, 10};
    std::int64_t train_images = 10000;  // the first training images; 0 = all
    std::int64_t test_images = 0;       // the first test images; 0 = all
    ReadoutFeatures features = ReadoutFeatures::standardized;
};

// What the generator's images are (sim/eval/image_classifier.hpp): the first `images`
// test images reconstructed, G(E(x)) (noise-free: the means of stochastic areas), and
// `samples` images from the prior, G(z) with z ~ N(0, I) drawn from the run's seed,
// judged by a fixed image classifier (a file `somnus train-classifier` wrote): the
// reconstruction error, the fraction of reconstructions it gives the image's class,
// and Fréchet distances in its feature space to the test images, against the floor
// of training images of the same number.
struct GeneratedImagesSpec {
    bool enabled = false;
    std::string classifier = "data/classifiers/fashion-mnist.pt";  // found from any folder (eval_section.cpp: find_classifier)
    std::int64_t images = 2000;
    std::int64_t samples = 2000;
    // The dreams themselves: the last this many each sleeping state dreamed before the
    // evaluation (its "dream" samples, kept as the steps made them), judged like the
    // prior's samples; 0 = not kept.
    std::int64_t dreams = 0;
    std::string pointer = "/eval/generated_images";  // for errors
};

// Latent-space organisation (the paper's protocol): Euclidean distances between
// encoder latents of random test-image pairs. Ratios: intra-class / inter-class,
// and clean-vs-occluded / inter-class.
struct LatentGeometrySpec {
    bool enabled = true;
    std::int64_t intra_pairs = 1000;  // per class
    std::int64_t inter_pairs = 10000;
    std::int64_t occluded_pairs = 10000;
    double occlusion_level = 0.3;  // probability that each square is dropped
    std::int64_t occlusion_tile = 4;
    std::int64_t seed = 0;  // pairs and masks; the same for every encoder
};

// Principal components of the test latents; the first two are logged per image.
struct PcaSpec {
    bool enabled = true;
    std::int64_t images = 2000;    // first test images projected
    std::int64_t components = 10;  // explained variance logged for this many
};

// Overlap of the wake and sleep joint distributions (Berkes et al. 2011, as the
// adversarial wake-sleep paper uses it): wake = test images x and z ~ q(z|x);
// sleep = z ~ N(0, I) and x ~ p(x|z); both rounded to integers, a seeded choice of
// k pixels (from the central half of the image) and k latent units makes a
// pattern of 2k integers; KL(wake || sleep) between the pattern histograms
// (+0.5 smoothing), against the floor KL(wake half A || wake half B).
struct OverlapSpec {
    bool enabled = false;
    std::int64_t samples = 10000;           // wake and sleep samples each (test images cycle when fewer)
    std::vector<std::int64_t> units{8, 4};  // k: k pixels + k latent units; one test per entry
    std::int64_t seed = 0;                  // units and sleep samples; the same for every model
    // How a unit's values become a pattern's symbol. 0: rounded to integers (Berkes et
    // al.; the AWS reference's test, on [0, 1] pixels). b >= 2: cut at b - 1 quantiles
    // of the unit's own wake values, so that each wake symbol holds about 1/b of the
    // samples; an increasing map of any unit (PAD's [-1, 1] pixels, a 256-unit latent
    // on its own scale) leaves every symbol and so the KL unchanged.
    std::int64_t bins = 0;
};

// What dreams are of: at each evaluation, the last mini-batch of dreams of each
// dreaming state (its samples' "dream") is encoded and classified by the linear
// readout's classifier (its first seed), and each dream's novelty measured as the
// latent distance to the nearest memory in the hippocampus and to the nearest of
// the readout's training images (the same for real test images, as a yardstick).
struct DreamContentSpec {
    bool enabled = false;
    std::vector<std::string> states;              // empty: every state whose steps dream
    std::int64_t images = 16;                     // dreams kept as pictures in the log, per state
    std::int64_t test_images = 500;               // real test images measured the same way
    std::string pointer = "/eval/dream_content";  // for errors
};

// Retention across days (continual learning's measures, with an unsupervised
// encoder): for each task (a set of classes; by default each day's), a linear
// readout trained and tested on that task's classes only, from the encoder as it is
// now; an all-classes readout; and the reconstruction error of each task's test
// images. Run with every evaluation (eval.epochs: "all" = after every night) and,
// with after_first_day, once after day 1's Wake, before any night.
struct RetentionSpec {
    bool enabled = false;
    std::vector<std::vector<std::int64_t>> tasks;  // resolved: each day's classes when "tasks" is "days"
    bool tasks_from_days = true;
    std::int64_t epochs = 10;
    double lr = 0.1;
    std::int64_t batch_size = 64;
    std::vector<std::int64_t> seeds{0};
    ReadoutFeatures features = ReadoutFeatures::standardized;
    std::int64_t train_images = 10000;          // the first training images, then each task's classes of them
    std::int64_t reconstruction_images = 500;   // per task: its first test images, decoded from their latents
    bool after_first_day = true;
    std::string pointer;
};

struct EvalSpec {
    // Training epochs after which the encoder is evaluated (negative counts from
    // the end; "all" in the spec = every epoch). The end of training is always
    // evaluated: that is the run's result.
    std::vector<std::int64_t> epochs{-1};
    bool initial = false;  // also evaluate the untrained encoder before the first step
    ReadoutSpec linear_readout;
    KnnSpec knn_readout;
    GeneratedImagesSpec generated_images;
    LatentGeometrySpec latent_geometry;
    PcaSpec pca;
    OverlapSpec overlap;
    DreamContentSpec dream_content;  // needs linear_readout (its classifier)
    RetentionSpec retention;
    bool any() const {
        return linear_readout.enabled || knn_readout.enabled || generated_images.enabled || latent_geometry.enabled || pca.enabled || overlap.enabled || retention.enabled;
    }
};

struct ExperimentSpec {
    std::string name = "pad";
    std::int64_t seed = 0;
    std::string device = "auto";  // "auto" | "cpu" | "cuda" | "cuda:N"
    std::int64_t threads = 0;     // 0 = all cores
    bool deterministic = false;   // GPU: deterministic cuDNN algorithms only, so a seed repeats bitwise
    DataSpec data;
    std::vector<ModuleSpec> modules;
    std::vector<PathwaySpec> pathways;
    std::vector<StateSpec> states;
    ScheduleSpec schedule;
    TrainingSpec training;
    RecordSpec record;
    EvalSpec eval;
    // The resolved spec: the document after extends and --set with every default
    // the parser used filled in (SpecResolution). Parsing it again gives the same
    // spec; the log records it as "spec", and resumed runs are compared on it.
    Json source;
    Json as_written;  // the document after extends and --set, before defaults ("spec_as_written")

    const ModuleSpec* module(const std::string& name) const;
    const StateSpec* state(const std::string& name) const;
    // The hippocampus (the module whose parameters are a hippocampus's), or nullptr.
    const ModuleSpec* hippocampus() const;
};

// Parses and checks a spec document's own sections; throws SpecError naming the
// JSON pointer. Its modules are not wired yet: parse_spec (sim/circuit/circuit.hpp)
// also wires them into a circuit and checks the recording against it.
ExperimentSpec parse_spec_sections(const Json& document);
// What the record section asks of the wired modules and states; throws SpecError.
void check_record(const ExperimentSpec& spec);

// The first place where `now` differs from `before` (RFC 6902 diff order), as
// "at /pointer: <before's value> <before_is>, <now's value> <now_is>" with a value
// shown as JSON or "(absent)"; "" when they are equal. `prefix` is put before the
// pointer (e.g. "/modules/V1_encoder" when the documents are one module's entry).
std::string first_difference(const Json& before, const Json& now, const std::string& before_is,
                             const std::string& now_is, const std::string& prefix = "");

// Where a JSON text comes from, for its errors.
struct JsonSource {
    std::string name;    // "pad.json", or "--set data={...}"
    bool lines = true;   // places shown as name:line:column (a file), else as "column N of name"
    JsonPointer root{};  // the pointer the text's root stands at (a --set value: its key's)
    std::string what;    // put before a message about one of its values ("--set a.b=1e400: ")
};

// Parses JSON text (comments allowed) as every spec, sweep file and --set value is
// read (sim/spec/json_text.cpp): a key given twice in one object is a SpecError at
// its pointer naming both places, a number beyond a double's range one at the
// number's pointer. Malformed text throws nlohmann's parse_error, for the caller
// to place.
Json parse_spec_text(const std::string& text, const JsonSource& source);

// Reads a spec file (errors name the file, line and column for malformed JSON).
// A spec with "extends": "base.json" (relative to its own folder) is the base,
// itself possibly extending another, with this file merged over it key by key
// (JSON merge patch: objects merge, other values replace, null removes a key).
// Every file is read as parse_spec_text reads it. `files`, when given, receives
// the file and each it extends, in that order (the inputs a command must not write over).
Json load_spec_file(const std::string& path, std::vector<std::string>* files = nullptr);

// Applies a --set override "a.b.c=value" (value parsed as JSON, else taken as a string).
void apply_override(Json& document, const std::string& assignment);

// Checks that each of `names` (a spec's list at `where`) is a brain state the schedule
// runs; throws SpecError at the entry that is not, with the nearest names.
void check_states_run(const ExperimentSpec& spec, const std::vector<std::string>& names, const std::string& where);

// The PAD circuit, states and conductor table used when a spec leaves them out.
Json default_modules();
Json default_pathways();
Json default_states();

}  // namespace somnus
