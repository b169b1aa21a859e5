// The spec's "eval": the evaluations of the encoder after chosen epochs (linear
// readout, latent geometry, PCA, wake/sleep overlap, dream content).
#include "sim/spec/sections.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace somnus {

namespace {

// The image classifier file a spec names: as written (a relative path from the working
// directory), or, for a relative path not found there, the shipped classifier it names
// (data/classifiers/...) in this build's source tree or beside the installed binary
// (PREFIX/share/somnus/classifiers/...), so that the default works from any folder.
// "" when none exists.
std::string find_classifier(const std::string& written) {
    namespace fs = std::filesystem;
    if (fs::is_regular_file(written)) return written;
    const fs::path path(written);
    if (path.is_absolute()) return "";
    std::vector<fs::path> candidates{fs::path(SOMNUS_SOURCE_DIR) / path};
    const fs::path shipped("data/classifiers");
    if (path.parent_path() == shipped) {
        std::error_code error;
        const fs::path binary = fs::read_symlink("/proc/self/exe", error);
        if (!error) candidates.push_back(binary.parent_path().parent_path() / "share/somnus/classifiers" / path.filename());
    }
    for (const auto& candidate : candidates)
        if (fs::is_regular_file(candidate)) return candidate.string();
    return "";
}

const ParameterSet& readout_parameters() {
    const ReadoutSpec ro;
    static const ParameterSet set{
        "linear_readout",
        "linear classifiers trained on the encoder's latents (the paper's protocol), tested clean and occluded",
        {boolean("enabled", ro.enabled, "run it"),
         integer("epochs", ro.epochs, 1, 100000, "training epochs of each classifier").in("epochs"),
         number("lr", ro.lr, 0.0, 100.0, "learning rate of the classifiers (SGD)"),
         integer("batch_size", ro.batch_size, 1, 1 << 20, "images per mini-batch").in("images"),
         integer("train_images", ro.train_images, 0, kNoLimit, "training images; 0 = the whole training set")
             .in("images"),
         integer("test_images", ro.test_images, 0, kNoLimit, "test images; 0 = the whole test set").in("images"),
         integers("seeds", ro.seeds, 0, kNoLimit, "one classifier per seed; the result is their mean"),
         choice("features", name_of(ro.features), names_of<ReadoutFeatures>(),
                "latents as they are (paper), or each dimension z-scored with training-set statistics"),
         integer("validation_images", ro.validation_images, 0, kNoLimit,
                 "trained to convergence: the last this many of the training images held out, each classifier "
                 "stopped by its validation loss and tested at its best validation epoch; 0 = a fixed number of "
                 "epochs (the paper's protocol)")
             .in("images"),
         integer("patience", ro.patience, 1, 100000,
                 "with validation_images: epochs in a row without a lower validation loss before a classifier stops")
             .in("epochs"),
         number("min_improvement", ro.min_improvement, 0.0, 100.0,
                "with validation_images: the least fall of the validation cross-entropy that counts as lower")
             .in("nats"),
         numbers("occlusion_levels", ro.occlusion_levels, 0.0, 1.0,
                 "probabilities of dropping each occluding square, one test per level (the paper's Fig. 5)"),
         integer("occlusion_tile", ro.occlusion_tile, 1, 32, "side of an occluding square").in("pixels"),
         integer("occlusion_seed", ro.occlusion_seed, 0, kNoLimit, "seed of the masks, the same for every encoder"),
         numbers("noise_sigmas", ro.noise_sigmas, 0.0, 100.0,
                 "Gaussian pixel noise: its standard deviations (pixel intensity in [0, 1], whatever the data's "
                 "normalisation; clamped to the test images' "
                 "range), one test per entry; none by default"),
         numbers("blur_sigmas", ro.blur_sigmas, 0.01, 32.0,
                 "Gaussian blur: its standard deviations (pixels), one test per entry; none by default"),
         integers("shift_pixels", ro.shift_pixels, 0, 31,
                  "translations by this many pixels (up, down, left or right, drawn per image), one test per entry; "
                  "none by default"),
         integer("perturbation_seed", ro.perturbation_seed, 0, kNoLimit,
                 "seed of the noise and the shifts' directions, the same for every encoder")}};
    return set;
}

const ParameterSet& knn_parameters() {
    const KnnSpec kn;
    static const ParameterSet set{
        "knn_readout",
        "k-nearest-neighbour readout of the latents: each test latent takes the majority class of its k nearest "
        "training latents (Euclidean); nothing trained, no seed",
        {boolean("enabled", kn.enabled, "run it"),
         integers("k", kn.k, 1, 65536, "neighbours that vote; one test per entry"),
         integer("train_images", kn.train_images, 0, kNoLimit, "the first training images; 0 = the whole training set")
             .in("images"),
         integer("test_images", kn.test_images, 0, kNoLimit, "the first test images; 0 = the whole test set")
             .in("images"),
         choice("features", name_of(kn.features), names_of<ReadoutFeatures>(),
                "latents as they are, or each dimension z-scored with the training latents' statistics")}};
    return set;
}

const ParameterSet& generated_images_parameters() {
    const GeneratedImagesSpec g;
    static const ParameterSet set{
        "generated_images",
        "what the generator's images are: test images reconstructed and samples from the prior, judged by a fixed "
        "image classifier (reconstruction error, class kept, Fréchet distances)",
        {boolean("enabled", g.enabled, "run it"),
         text("classifier", g.classifier,
              "the image classifier file (`somnus train-classifier`); a relative path from the working directory, or the shipped data/classifiers/ one from any folder"),
         integer("images", g.images, 2, kNoLimit, "first test images reconstructed (and the Fréchet distances' "
                                                  "reference set)")
             .in("images"),
         integer("samples", g.samples, 2, kNoLimit, "images generated from the prior").in("images"),
         integer("dreams", g.dreams, 0, 1000000,
                 "the last dreams of each sleeping state before the evaluation, judged like the samples (the "
                 "Fréchet distance of dreams); 0 = none kept")
             .in("images")}};
    return set;
}

const ParameterSet& retention_parameters() {
    const RetentionSpec rt;
    static const ParameterSet set{
        "retention",
        "retention across days: for each task (a set of classes) a linear readout trained and tested on its classes "
        "alone, an all-classes readout, and each task's reconstruction error",
        {boolean("enabled", rt.enabled, "run it, with every evaluation (and after day 1's Wake)"),
         shaped("tasks", "days", "\"days\" or a list of class lists",
                {{"anyOf", Json::array({{{"const", "days"}},
                                        {{"type", "array"},
                                         {"items", {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "integer"}, {"minimum", 0}}}}}}})}},
                "the tasks whose retention is tested: each day's classes (\"days\"), or the lists given (e.g. the "
                "split's pairs for an interleaved control)"),
         integer("epochs", rt.epochs, 1, 100000, "training epochs of each task's classifiers").in("epochs"),
         number("lr", rt.lr, 0.0, 100.0, "learning rate of the classifiers (SGD)"),
         integer("batch_size", rt.batch_size, 1, 1 << 20, "images per mini-batch").in("images"),
         integers("seeds", rt.seeds, 0, kNoLimit, "one classifier per seed and task; the result is their mean"),
         choice("features", name_of(rt.features), names_of<ReadoutFeatures>(),
                "latents as they are, or each dimension z-scored with the task's training statistics"),
         integer("train_images", rt.train_images, 0, kNoLimit,
                 "the first training images, of which each task's classes train its readout; 0 = all")
             .in("images"),
         integer("reconstruction_images", rt.reconstruction_images, 0, kNoLimit,
                 "test images per task whose reconstruction error is measured; 0 = none")
             .in("images"),
         boolean("after_first_day", rt.after_first_day,
                 "also test after day 1's Wake, before its night (the baseline of what day 1 learned)")}};
    return set;
}

const ParameterSet& latent_geometry_parameters() {
    const LatentGeometrySpec lg;
    static const ParameterSet set{
        "latent_geometry",
        "distances between latents of test-image pairs: intra/inter-class and clean-vs-occluded/inter-class ratios",
        {boolean("enabled", lg.enabled, "run it"),
         integer("intra_pairs", lg.intra_pairs, 1, kNoLimit, "pairs of the same class, per class"),
         integer("inter_pairs", lg.inter_pairs, 1, kNoLimit, "pairs of different classes"),
         integer("occluded_pairs", lg.occluded_pairs, 1, kNoLimit, "pairs of an image and its occluded self"),
         number("occlusion_level", lg.occlusion_level, 0.0, 1.0, "probability that each square is dropped"),
         integer("occlusion_tile", lg.occlusion_tile, 1, 32, "side of an occluding square").in("pixels"),
         integer("seed", lg.seed, 0, kNoLimit, "seed of the pairs and masks, the same for every encoder")}};
    return set;
}

const ParameterSet& pca_parameters() {
    const PcaSpec p;
    static const ParameterSet set{
        "pca",
        "principal components of the test latents; the first two are logged per image",
        {boolean("enabled", p.enabled, "run it"),
         integer("images", p.images, 3, kNoLimit, "first test images projected").in("images"),
         integer("components", p.components, 2, 1024, "components whose explained variance is logged")}};
    return set;
}

const ParameterSet& overlap_parameters() {
    const OverlapSpec ov;
    static const ParameterSet set{
        "overlap",
        "overlap of the wake and sleep joint distributions (Berkes et al. 2011): KL between pattern histograms",
        {boolean("enabled", ov.enabled, "run it"),
         integer("samples", ov.samples, 4, kNoLimit, "wake and sleep samples each"),
         integers("units", ov.units, 1, 64, "k: k central pixels + k latent units make a pattern; one test per entry"),
         integer("seed", ov.seed, 0, kNoLimit, "seed of the units and the sleep samples"),
         integer("bins", ov.bins, 0, 64,
                 "0: values rounded to integers (Berkes et al.); b >= 2: each unit cut into b bins at the "
                 "quantiles of its wake values (a scale every model shares)")}};
    return set;
}

const ParameterSet& dream_content_parameters() {
    const DreamContentSpec dc;
    static const ParameterSet set{
        "dream_content",
        "what dreams are of: classified by the readout, novelty as the distance to the nearest memory and image",
        {boolean("enabled", dc.enabled, "run it (needs linear_readout)"),
         strings("states", dc.states, "dreaming states measured; [] = every state whose steps dream"),
         integer("images", dc.images, 0, 1 << 20, "dreams kept as pictures in the log, per state").in("images"),
         integer("test_images", dc.test_images, 1, kNoLimit, "real test images measured the same way, as a yardstick")
             .in("images")}};
    return set;
}

}  // namespace

const ParameterSet& eval_parameters() {
    const EvalSpec e;
    static const ParameterSet set{
        "eval",
        "evaluations of the encoder after chosen epochs; the end of training is always evaluated",
        {epoch_list("epochs", e.epochs, "epochs after which the encoder is evaluated; \"all\" = every epoch"),
         boolean("initial", e.initial, "also evaluate the untrained encoder before the first step"),
         object("linear_readout", readout_parameters(), "linear readout accuracy, clean, occluded and perturbed"),
         object("knn_readout", knn_parameters(), "k-nearest-neighbour readout accuracy (off by default)"),
         object("generated_images", generated_images_parameters(),
                "reconstructions and samples judged by a fixed image classifier (off by default)"),
         object("latent_geometry", latent_geometry_parameters(), "latent distance ratios"),
         object("pca", pca_parameters(), "principal components of the latents"),
         object("overlap", overlap_parameters(), "wake/sleep overlap (off by default)"),
         object("dream_content", dream_content_parameters(), "what dreams are of (off by default)"),
         object("retention", retention_parameters(),
                "memory across days: per-task readouts, an all-classes readout and reconstruction errors (off by "
                "default)")}};
    return set;
}

EvalSpec parse_eval(ObjectReader& r, std::int64_t training_epochs) {
    EvalSpec e;
    if (const Json* epochs = r.child("epochs"); epochs && epochs->is_string()) {
        if (*epochs != "all")
            throw SpecError(r.at("epochs").to_string(),
                            "expected \"all\" or a list of epochs, got \"" + epochs->get<std::string>() + "\"");
        e.epochs.clear();
        for (std::int64_t k = 0; k < training_epochs; ++k) e.epochs.push_back(k);
    } else {
        e.epochs = r.integers("epochs");
    }
    e.initial = r.boolean("initial");
    {
        ObjectReader o = r.object("linear_readout");  // left out: its defaults
        ReadoutSpec& ro = e.linear_readout;
        ro.enabled = o.boolean("enabled");
        ro.epochs = o.integer("epochs");
        ro.lr = o.number("lr");
        ro.batch_size = o.integer("batch_size");
        ro.train_images = o.integer("train_images");
        ro.test_images = o.integer("test_images");
        ro.seeds = o.integers("seeds");
        if (ro.seeds.empty()) throw SpecError(o.at("seeds").to_string(), "give at least one readout seed");
        ro.features = o.choice_of<ReadoutFeatures>("features");
        ro.validation_images = o.integer("validation_images");
        if (ro.train_images > 0 && ro.validation_images > 0 && ro.train_images - ro.validation_images < ro.batch_size)
            throw SpecError(o.at("validation_images").to_string(),
                            "holding out " + std::to_string(ro.validation_images) + " of the " +
                                std::to_string(ro.train_images) + " training images (train_images) leaves fewer than " +
                                "one mini-batch of " + std::to_string(ro.batch_size) + " to train on");
        ro.patience = o.integer("patience");
        ro.min_improvement = o.number("min_improvement");
        ro.occlusion_levels = o.numbers("occlusion_levels");
        ro.occlusion_tile = o.integer("occlusion_tile");
        ro.occlusion_seed = o.integer("occlusion_seed");
        ro.noise_sigmas = o.numbers("noise_sigmas");
        ro.blur_sigmas = o.numbers("blur_sigmas");
        ro.shift_pixels = o.integers("shift_pixels");
        ro.perturbation_seed = o.integer("perturbation_seed");
        o.finish();
    }
    {
        ObjectReader o = r.object("knn_readout");  // left out: its defaults
        KnnSpec& kn = e.knn_readout;
        kn.enabled = o.boolean("enabled");
        kn.k = o.integers("k");
        if (kn.k.empty()) throw SpecError(o.at("k").to_string(), "give at least one k");
        kn.train_images = o.integer("train_images");
        for (std::size_t i = 0; i < kn.k.size(); ++i)
            if (kn.train_images > 0 && kn.k[i] > kn.train_images)
                throw SpecError(o.at("k").to_string() + "/" + std::to_string(i),
                                "k = " + std::to_string(kn.k[i]) + " neighbours, but the readout has " +
                                    std::to_string(kn.train_images) + " training images (train_images)");
        kn.test_images = o.integer("test_images");
        kn.features = o.choice_of<ReadoutFeatures>("features");
        o.finish();
    }
    {
        ObjectReader o = r.object("generated_images");  // left out: its defaults
        GeneratedImagesSpec& g = e.generated_images;
        g.pointer = o.where().to_string();
        g.enabled = o.boolean("enabled");
        g.classifier = o.string("classifier");
        g.images = o.integer("images");
        g.samples = o.integer("samples");
        g.dreams = o.integer("dreams");
        o.finish();
        if (g.enabled) {
            const std::string found = find_classifier(g.classifier);
            if (found.empty())
                throw SpecError(g.pointer + "/classifier", "no image classifier file " + g.classifier +
                                                               " (train one: scripts/train-image-classifier.sh)");
            g.classifier = found;
        }
    }
    {
        ObjectReader o = r.object("latent_geometry");  // left out: its defaults
        LatentGeometrySpec& lg = e.latent_geometry;
        lg.enabled = o.boolean("enabled");
        lg.intra_pairs = o.integer("intra_pairs");
        lg.inter_pairs = o.integer("inter_pairs");
        lg.occluded_pairs = o.integer("occluded_pairs");
        lg.occlusion_level = o.number("occlusion_level");
        lg.occlusion_tile = o.integer("occlusion_tile");
        lg.seed = o.integer("seed");
        o.finish();
    }
    {
        ObjectReader o = r.object("pca");  // left out: its defaults
        e.pca.enabled = o.boolean("enabled");
        e.pca.images = o.integer("images");
        e.pca.components = o.integer("components");
        o.finish();
    }
    {
        ObjectReader o = r.object("overlap");  // left out: its defaults
        OverlapSpec& ov = e.overlap;
        ov.enabled = o.boolean("enabled");
        ov.samples = o.integer("samples");
        ov.units = o.integers("units");
        if (ov.units.empty()) throw SpecError(o.at("units").to_string(), "give at least one unit count");
        ov.seed = o.integer("seed");
        ov.bins = o.integer("bins");
        if (ov.bins == 1)
            throw SpecError(o.at("bins").to_string(),
                            "one bin holds every value; give 0 (values rounded to integers) or at least 2");
        o.finish();
    }
    {
        ObjectReader o = r.object("dream_content");  // left out: its defaults
        DreamContentSpec& dc = e.dream_content;
        dc.pointer = o.where().to_string();
        dc.enabled = o.boolean("enabled");
        dc.states = o.strings("states");
        dc.images = o.integer("images");
        dc.test_images = o.integer("test_images");
        o.finish();
        if (dc.enabled && !e.linear_readout.enabled)
            throw SpecError(
                dc.pointer + "/enabled",
                "dream content is classified by the linear readout's classifier: enable eval.linear_readout too");
    }
    {
        ObjectReader o = r.object("retention");  // left out: its defaults
        RetentionSpec& rt = e.retention;
        rt.pointer = o.where().to_string();
        rt.enabled = o.boolean("enabled");
        const Json* tasks = o.child("tasks");
        rt.tasks_from_days = !tasks || (tasks->is_string() && *tasks == "days");
        if (!rt.tasks_from_days) {
            const std::string at = o.at("tasks").to_string();
            if (!tasks->is_array())
                throw SpecError(at, "expected \"days\" or a list of class lists, got " +
                                        (tasks->is_string() ? "\"" + tasks->get<std::string>() + "\"" : json_type_name(*tasks)));
            if (tasks->empty()) throw SpecError(at, "give at least one task");
            for (std::size_t t = 0; t < tasks->size(); ++t) {
                const Json& task = (*tasks)[t];
                const std::string where = at + "/" + std::to_string(t);
                if (!task.is_array() || task.empty())
                    throw SpecError(where, "a task is a non-empty list of classes, got " + json_type_name(task));
                std::vector<std::int64_t> classes;
                for (std::size_t i = 0; i < task.size(); ++i) {
                    if (!task[i].is_number_integer() || task[i].get<std::int64_t>() < 0)
                        throw SpecError(where + "/" + std::to_string(i), "expected a class (an integer >= 0)");
                    classes.push_back(task[i].get<std::int64_t>());
                }
                rt.tasks.push_back(std::move(classes));
            }
        }
        rt.epochs = o.integer("epochs");
        rt.lr = o.number("lr");
        rt.batch_size = o.integer("batch_size");
        rt.seeds = o.integers("seeds");
        if (rt.seeds.empty()) throw SpecError(o.at("seeds").to_string(), "give at least one readout seed");
        rt.features = o.choice_of<ReadoutFeatures>("features");
        rt.train_images = o.integer("train_images");
        rt.reconstruction_images = o.integer("reconstruction_images");
        rt.after_first_day = o.boolean("after_first_day");
        o.finish();
    }
    r.finish();
    return e;
}

}  // namespace somnus
