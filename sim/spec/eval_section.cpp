// The spec's "eval": the evaluations of the encoder after chosen epochs (linear
// readout, latent geometry, PCA, wake/sleep overlap, dream content).
#include "sim/spec/sections.hpp"

#include "sim/spec/fields.hpp"

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

const Fields<ReadoutSpec>& readout_fields() {
    static const Fields<ReadoutSpec> fields{
        "linear_readout",
        "linear classifiers trained on the encoder's latents (the paper's protocol), tested clean and occluded",
        {field::boolean("enabled", &ReadoutSpec::enabled, "run it"),
         field::integer("epochs", &ReadoutSpec::epochs, 1, 100000, "training epochs of each classifier").in("epochs"),
         field::number("lr", &ReadoutSpec::lr, 0.0, 100.0, "learning rate of the classifiers (SGD)"),
         field::integer("batch_size", &ReadoutSpec::batch_size, 1, 1 << 20, "images per mini-batch").in("images"),
         field::integer("train_images", &ReadoutSpec::train_images, 0, kNoLimit, "training images; 0 = the whole training set")
             .in("images"),
         field::integer("test_images", &ReadoutSpec::test_images, 0, kNoLimit, "test images; 0 = the whole test set").in("images"),
         field::integers("seeds", &ReadoutSpec::seeds, 0, kNoLimit, "one classifier per seed; the result is their mean"),
         field::choice("features", &ReadoutSpec::features,
                "latents as they are (paper), or each dimension z-scored with training-set statistics"),
         field::integer("validation_images", &ReadoutSpec::validation_images, 0, kNoLimit,
                 "trained to convergence: the last this many of the training images held out, each classifier "
                 "stopped by its validation loss and tested at its best validation epoch; 0 = a fixed number of "
                 "epochs (the paper's protocol)")
             .in("images"),
         field::integer("patience", &ReadoutSpec::patience, 1, 100000,
                 "with validation_images: epochs in a row without a lower validation loss before a classifier stops")
             .in("epochs"),
         field::number("min_improvement", &ReadoutSpec::min_improvement, 0.0, 100.0,
                "with validation_images: the least fall of the validation cross-entropy that counts as lower")
             .in("nats"),
         field::numbers("occlusion_levels", &ReadoutSpec::occlusion_levels, 0.0, 1.0,
                 "probabilities of dropping each occluding square, one test per level (the paper's Fig. 5)"),
         field::integer("occlusion_tile", &ReadoutSpec::occlusion_tile, 1, 32, "side of an occluding square").in("pixels"),
         field::integer("occlusion_seed", &ReadoutSpec::occlusion_seed, 0, kNoLimit, "seed of the masks, the same for every encoder"),
         field::numbers("noise_sigmas", &ReadoutSpec::noise_sigmas, 0.0, 100.0,
                 "Gaussian pixel noise: its standard deviations (pixel intensity in [0, 1], whatever the data's "
                 "normalisation; clamped to the test images' "
                 "range), one test per entry; none by default"),
         field::numbers("blur_sigmas", &ReadoutSpec::blur_sigmas, 0.01, 32.0,
                 "Gaussian blur: its standard deviations (pixels), one test per entry; none by default"),
         field::integers("shift_pixels", &ReadoutSpec::shift_pixels, 0, 31,
                  "translations by this many pixels (up, down, left or right, drawn per image), one test per entry; "
                  "none by default"),
         field::integer("perturbation_seed", &ReadoutSpec::perturbation_seed, 0, kNoLimit,
                 "seed of the noise and the shifts' directions, the same for every encoder")}};
    return fields;
}

const Fields<KnnSpec>& knn_fields() {
    static const Fields<KnnSpec> fields{
        "knn_readout",
        "k-nearest-neighbour readout of the latents: each test latent takes the majority class of its k nearest "
        "training latents (Euclidean); nothing trained, no seed",
        {field::boolean("enabled", &KnnSpec::enabled, "run it"),
         field::integers("k", &KnnSpec::k, 1, 65536, "neighbours that vote; one test per entry"),
         field::integer("train_images", &KnnSpec::train_images, 0, kNoLimit, "the first training images; 0 = the whole training set")
             .in("images"),
         field::integer("test_images", &KnnSpec::test_images, 0, kNoLimit, "the first test images; 0 = the whole test set")
             .in("images"),
         field::choice("features", &KnnSpec::features,
                "latents as they are, or each dimension z-scored with the training latents' statistics")}};
    return fields;
}

const Fields<GeneratedImagesSpec>& generated_images_fields() {
    static const Fields<GeneratedImagesSpec> fields{
        "generated_images",
        "what the generator's images are: test images reconstructed and samples from the prior, judged by a fixed "
        "image classifier (reconstruction error, class kept, Fréchet distances)",
        {field::boolean("enabled", &GeneratedImagesSpec::enabled, "run it"),
         field::text("classifier", &GeneratedImagesSpec::classifier,
              "the image classifier file (`somnus train-classifier`); a relative path from the working directory, or the shipped data/classifiers/ one from any folder"),
         field::integer("images", &GeneratedImagesSpec::images, 2, kNoLimit, "first test images reconstructed (and the Fréchet distances' "
                                                  "reference set)")
             .in("images"),
         field::integer("samples", &GeneratedImagesSpec::samples, 2, kNoLimit, "images generated from the prior").in("images"),
         field::integer("dreams", &GeneratedImagesSpec::dreams, 0, 1000000,
                 "the last dreams of each sleeping state before the evaluation, judged like the samples (the "
                 "Fréchet distance of dreams); 0 = none kept")
             .in("images")}};
    return fields;
}

// "tasks": "days" (each day's classes) or a list of class lists.
void read_tasks(ObjectReader& o, RetentionSpec& rt) {
    const Json* tasks = o.child("tasks");
    rt.tasks_from_days = !tasks || (tasks->is_string() && *tasks == "days");
    if (rt.tasks_from_days) return;
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

const Fields<RetentionSpec>& retention_fields() {
    static const Fields<RetentionSpec> fields{
        "retention",
        "retention across days: for each task (a set of classes) a linear readout trained and tested on its classes "
        "alone, an all-classes readout, and each task's reconstruction error",
        {field::boolean("enabled", &RetentionSpec::enabled, "run it, with every evaluation (and after day 1's Wake)"),
         field::custom<RetentionSpec>(shaped("tasks", "days", "\"days\" or a list of class lists",
                {{"anyOf", Json::array({{{"const", "days"}},
                                        {{"type", "array"},
                                         {"items", {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "integer"}, {"minimum", 0}}}}}}})}},
                "the tasks whose retention is tested: each day's classes (\"days\"), or the lists given (e.g. the "
                "split's pairs for an interleaved control)"), read_tasks),
         field::integer("epochs", &RetentionSpec::epochs, 1, 100000, "training epochs of each task's classifiers").in("epochs"),
         field::number("lr", &RetentionSpec::lr, 0.0, 100.0, "learning rate of the classifiers (SGD)"),
         field::integer("batch_size", &RetentionSpec::batch_size, 1, 1 << 20, "images per mini-batch").in("images"),
         field::integers("seeds", &RetentionSpec::seeds, 0, kNoLimit, "one classifier per seed and task; the result is their mean"),
         field::choice("features", &RetentionSpec::features,
                "latents as they are, or each dimension z-scored with the task's training statistics"),
         field::integer("train_images", &RetentionSpec::train_images, 0, kNoLimit,
                 "the first training images, of which each task's classes train its readout; 0 = all")
             .in("images"),
         field::integer("reconstruction_images", &RetentionSpec::reconstruction_images, 0, kNoLimit,
                 "test images per task whose reconstruction error is measured; 0 = none")
             .in("images"),
         field::boolean("after_first_day", &RetentionSpec::after_first_day,
                 "also test after day 1's Wake, before its night (the baseline of what day 1 learned)")}};
    return fields;
}

const Fields<LatentGeometrySpec>& latent_geometry_fields() {
    static const Fields<LatentGeometrySpec> fields{
        "latent_geometry",
        "distances between latents of test-image pairs: intra/inter-class and clean-vs-occluded/inter-class ratios",
        {field::boolean("enabled", &LatentGeometrySpec::enabled, "run it"),
         field::integer("intra_pairs", &LatentGeometrySpec::intra_pairs, 1, kNoLimit, "pairs of the same class, per class"),
         field::integer("inter_pairs", &LatentGeometrySpec::inter_pairs, 1, kNoLimit, "pairs of different classes"),
         field::integer("occluded_pairs", &LatentGeometrySpec::occluded_pairs, 1, kNoLimit, "pairs of an image and its occluded self"),
         field::number("occlusion_level", &LatentGeometrySpec::occlusion_level, 0.0, 1.0, "probability that each square is dropped"),
         field::integer("occlusion_tile", &LatentGeometrySpec::occlusion_tile, 1, 32, "side of an occluding square").in("pixels"),
         field::integer("seed", &LatentGeometrySpec::seed, 0, kNoLimit, "seed of the pairs and masks, the same for every encoder")}};
    return fields;
}

const Fields<PcaSpec>& pca_fields() {
    static const Fields<PcaSpec> fields{
        "pca",
        "principal components of the test latents; the first two are logged per image",
        {field::boolean("enabled", &PcaSpec::enabled, "run it"),
         field::integer("images", &PcaSpec::images, 3, kNoLimit, "first test images projected").in("images"),
         field::integer("components", &PcaSpec::components, 2, 1024, "components whose explained variance is logged")}};
    return fields;
}

const Fields<OverlapSpec>& overlap_fields() {
    static const Fields<OverlapSpec> fields{
        "overlap",
        "overlap of the wake and sleep joint distributions (Berkes et al. 2011): KL between pattern histograms",
        {field::boolean("enabled", &OverlapSpec::enabled, "run it"),
         field::integer("samples", &OverlapSpec::samples, 4, kNoLimit, "wake and sleep samples each"),
         field::integers("units", &OverlapSpec::units, 1, 64, "k: k central pixels + k latent units make a pattern; one test per entry"),
         field::integer("seed", &OverlapSpec::seed, 0, kNoLimit, "seed of the units and the sleep samples"),
         field::integer("bins", &OverlapSpec::bins, 0, 64,
                 "0: values rounded to integers (Berkes et al.); b >= 2: each unit cut into b bins at the "
                 "quantiles of its wake values (a scale every model shares)")}};
    return fields;
}

const Fields<DreamContentSpec>& dream_content_fields() {
    static const Fields<DreamContentSpec> fields{
        "dream_content",
        "what dreams are of: classified by the readout, novelty as the distance to the nearest memory and image",
        {field::boolean("enabled", &DreamContentSpec::enabled, "run it (needs linear_readout)"),
         field::strings("states", &DreamContentSpec::states, "dreaming states measured; [] = every state whose steps dream"),
         field::integer("images", &DreamContentSpec::images, 0, 1 << 20, "dreams kept as pictures in the log, per state").in("images"),
         field::integer("test_images", &DreamContentSpec::test_images, 1, kNoLimit, "real test images measured the same way, as a yardstick")
             .in("images")}};
    return fields;
}

}  // namespace

const ParameterSet& eval_parameters() {
    const EvalSpec e;
    static const ParameterSet set{
        "eval",
        "evaluations of the encoder after chosen epochs; the end of training is always evaluated",
        {epoch_list("epochs", e.epochs, "epochs after which the encoder is evaluated; \"all\" = every epoch"),
         boolean("initial", e.initial, "also evaluate the untrained encoder before the first step"),
         object("linear_readout", readout_fields().parameters(), "linear readout accuracy, clean, occluded and perturbed"),
         object("knn_readout", knn_fields().parameters(), "k-nearest-neighbour readout accuracy (off by default)"),
         object("generated_images", generated_images_fields().parameters(),
                "reconstructions and samples judged by a fixed image classifier (off by default)"),
         object("latent_geometry", latent_geometry_fields().parameters(), "latent distance ratios"),
         object("pca", pca_fields().parameters(), "principal components of the latents"),
         object("overlap", overlap_fields().parameters(), "wake/sleep overlap (off by default)"),
         object("dream_content", dream_content_fields().parameters(), "what dreams are of (off by default)"),
         object("retention", retention_fields().parameters(),
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
        ReadoutSpec& ro = e.linear_readout = readout_fields().read(o);
        if (ro.seeds.empty()) throw SpecError(o.at("seeds").to_string(), "give at least one readout seed");
        if (ro.train_images > 0 && ro.validation_images > 0 && ro.train_images - ro.validation_images < ro.batch_size)
            throw SpecError(o.at("validation_images").to_string(),
                            "holding out " + std::to_string(ro.validation_images) + " of the " +
                                std::to_string(ro.train_images) + " training images (train_images) leaves fewer than " +
                                "one mini-batch of " + std::to_string(ro.batch_size) + " to train on");
        o.finish();
    }
    {
        ObjectReader o = r.object("knn_readout");  // left out: its defaults
        KnnSpec& kn = e.knn_readout = knn_fields().read(o);
        if (kn.k.empty()) throw SpecError(o.at("k").to_string(), "give at least one k");
        for (std::size_t i = 0; i < kn.k.size(); ++i)
            if (kn.train_images > 0 && kn.k[i] > kn.train_images)
                throw SpecError(o.at("k").to_string() + "/" + std::to_string(i),
                                "k = " + std::to_string(kn.k[i]) + " neighbours, but the readout has " +
                                    std::to_string(kn.train_images) + " training images (train_images)");
        o.finish();
    }
    {
        ObjectReader o = r.object("generated_images");  // left out: its defaults
        GeneratedImagesSpec& g = e.generated_images = generated_images_fields().read(o);
        g.pointer = o.where().to_string();
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
        e.latent_geometry = latent_geometry_fields().read(o);
        o.finish();
    }
    {
        ObjectReader o = r.object("pca");  // left out: its defaults
        e.pca = pca_fields().read(o);
        o.finish();
    }
    {
        ObjectReader o = r.object("overlap");  // left out: its defaults
        OverlapSpec& ov = e.overlap = overlap_fields().read(o);
        if (ov.units.empty()) throw SpecError(o.at("units").to_string(), "give at least one unit count");
        if (ov.bins == 1)
            throw SpecError(o.at("bins").to_string(),
                            "one bin holds every value; give 0 (values rounded to integers) or at least 2");
        o.finish();
    }
    {
        ObjectReader o = r.object("dream_content");  // left out: its defaults
        DreamContentSpec& dc = e.dream_content = dream_content_fields().read(o);
        dc.pointer = o.where().to_string();
        o.finish();
        if (dc.enabled && !e.linear_readout.enabled)
            throw SpecError(
                dc.pointer + "/enabled",
                "dream content is classified by the linear readout's classifier: enable eval.linear_readout too");
    }
    {
        ObjectReader o = r.object("retention");  // left out: its defaults
        RetentionSpec& rt = e.retention = retention_fields().read(o);
        rt.pointer = o.where().to_string();
        if (rt.seeds.empty()) throw SpecError(o.at("seeds").to_string(), "give at least one readout seed");
        o.finish();
    }
    r.finish();
    return e;
}

}  // namespace somnus
