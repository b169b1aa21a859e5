// What an evaluation of the encoder finds: the report types the evaluations
// (sim/eval/) fill in and the observers of a run (the HDF5 log, the progress
// lines) write out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace somnus {

// Linear readout of the latent: one classifier per seed.
struct ReadoutSeed {
    std::int64_t seed = 0;
    std::vector<double> test_accuracy;  // per readout epoch, in [0, 1]
    double last() const { return test_accuracy.back(); }
    double mean_of_last(std::size_t n) const;
    double best() const;
    std::vector<double> occluded_accuracy;  // the final classifier on occluded test latents, per occlusion level
    // Trained to convergence (ReadoutSpec::validation_images > 0); empty or -1 otherwise.
    std::vector<double> validation_loss;  // mean cross-entropy on the held-out images, per epoch it ran (nats)
    std::int64_t best_epoch = -1;         // its lowest validation loss, counting from 0
    std::int64_t stopped_epoch = -1;      // the epoch its patience ran out; -1: it never did (epochs ran out)
    bool validated() const { return best_epoch >= 0; }
    // Test accuracy of the classifier it reports: after its best validation epoch
    // when validated, after the last epoch otherwise.
    double reported() const { return validated() ? test_accuracy.at(std::size_t(best_epoch)) : last(); }
};

struct ReadoutReport {
    std::string features;  // "raw" or "standardized"
    std::int64_t train_images = 0;
    std::int64_t test_images = 0;
    std::vector<ReadoutSeed> seeds;
    std::vector<double> occlusion_levels;  // probability that each square is dropped
    std::int64_t occlusion_tile = 0;
    std::int64_t validation_images = 0;  // held out of train_images; 0: a fixed number of epochs
    std::int64_t patience = 0;
    double min_improvement = 0;
    // The final classifiers on test images perturbed as no rule trains (ReadoutSpec):
    // "noise" (levels: sigmas, normalised intensity), "blur" (sigmas, pixels),
    // "shift" (pixels); only those the spec asks for, in that order.
    struct Perturbed {
        std::string name;
        std::vector<double> levels;
        std::vector<std::vector<double>> accuracy;  // (seeds, levels), in [0, 1]
    };
    std::vector<Perturbed> perturbed;
    double seconds = 0;
};

// k-nearest-neighbour readout (KnnSpec): the test accuracy for each k.
struct KnnReport {
    std::string features;  // "raw" or "standardized"
    std::int64_t train_images = 0;
    std::int64_t test_images = 0;
    std::vector<std::int64_t> k;
    std::vector<double> accuracy;  // per k, in [0, 1]
};

// What the generator's images are (GeneratedImagesSpec), as a fixed image classifier sees them.
struct GeneratedImages {
    std::string classifier;                // the classifier file
    std::string classifier_dataset;        // what it was trained on
    double classifier_test_accuracy = 0;   // as its file records (the whole test set)
    std::int64_t images = 0, samples = 0;
    double classifier_accuracy = 0;        // on the first `images` test images themselves
    double reconstruction_error = 0;       // mean over images of the mean squared error per pixel, G(E(x)) vs x,
                                           // in pixel intensities (x std + mean, in [0, 1])
    double reconstruction_class_kept = 0;  // fraction of G(E(x)) it gives x's class
    double fid_reconstructions = 0;        // Fréchet distance, reconstructions vs the test images
    double fid_samples = 0;                // samples from the prior vs the test images
    double fid_floor = 0;                  // as many training images vs the test images
    std::vector<std::int64_t> sample_class_counts;  // classes it gives the samples (classes)
    // The dreams each sleeping state dreamed last (eval.generated_images.dreams), in the
    // spec's order of states: how far they are from the test images, what classes they show.
    struct Dreams {
        std::string state;
        std::int64_t dreams = 0;                // how many were kept
        double fid = 0;                         // Fréchet distance, dreams vs the test images
        std::vector<std::int64_t> class_counts;  // classes the classifier gives them (classes)
    };
    std::vector<Dreams> dreams;
};

// Organisation of the latent space (the paper's Fig. 6e-f): mean Euclidean
// distances between latents of random image pairs.
struct LatentGeometry {
    std::vector<double> intra_class;  // per class: pairs of different images of that class
    double intra = 0;                 // mean over classes
    double inter = 0;                 // pairs of images of different classes
    double clean_occluded = 0;        // each image against its own occluded version
    double occlusion_level = 0;
    std::int64_t occlusion_tile = 0;
    std::int64_t images = 0;
    double intra_inter_ratio() const { return intra / inter; }
    double clean_occluded_ratio() const { return clean_occluded / inter; }
};

// Test latents projected on their first principal components.
struct LatentPca {
    std::int64_t images = 0;
    std::int64_t components = 0;
    std::vector<float> projection;           // (images, 2), row-major
    std::vector<std::int64_t> labels;        // (images)
    std::vector<double> explained_variance;  // fraction of the variance, per component
};

// Wake/sleep overlap test: one entry per unit count.
struct WakeSleepOverlap {
    struct Test {
        std::int64_t units = 0;          // k pixels + k latent units
        double kl = 0;                   // KL(wake || sleep) of the pattern histograms, nats
        double floor = 0;                // KL(wake half A || wake half B): the finite-sample floor
        std::int64_t wake_patterns = 0;  // distinct patterns seen
        std::int64_t sleep_patterns = 0;
    };
    std::int64_t samples = 0;
    std::vector<Test> tests;
};

// What dreams are of (DreamContentSpec): per dreaming state, its last mini-batch
// of dreams as the readout classifier sees them, and how novel each dream is.
struct DreamContent {
    struct StateDreams {
        std::string state;
        std::int64_t step = -1;                     // run step that dreamt them
        std::vector<std::int64_t> predicted_class;  // (dreams)
        std::vector<double> confidence;             // softmax probability of the predicted class
        std::vector<double> nearest_memory;         // latent distance to the nearest stored memory
        std::vector<double> nearest_training;       // latent distance to the nearest training image
        std::vector<float> images;                  // the first dreams, (kept, C, H, W) row-major
        std::vector<std::int64_t> image_shape;      // {kept, C, H, W}
    };
    std::vector<StateDreams> states;
    std::vector<std::int64_t> memory_class;          // the stored memories, classified the same way
    std::vector<double> test_nearest_training;       // real test images: latent distance to the nearest training image
    std::vector<std::int64_t> test_predicted_class;  // and their predicted class
    std::int64_t training_images = 0;                // the reference set (the readout's training images)
    std::int64_t classifier_seed = 0;
};

// Retention across days (RetentionSpec): per task, a readout on its classes alone.
struct RetentionReport {
    std::vector<std::vector<std::int64_t>> tasks;     // the classes of each task
    std::vector<std::vector<double>> accuracy;         // (seeds, tasks): test accuracy of each task's readout, in [0, 1]
    std::vector<double> all_classes_accuracy;          // (seeds): the readout of every class
    std::vector<double> class_accuracy;                // (classes): its recall of each class, mean over seeds
    // (seeds, tasks): the every-class readout's accuracy on each task's test images
    // (class-incremental: one of every class named, not one of the task's own).
    std::vector<std::vector<double>> class_incremental_accuracy;
    std::vector<double> reconstruction_error;          // (tasks): mean squared error of G(E(x)) on its test images
    std::vector<std::int64_t> train_images, test_images, reconstructed;  // (tasks)
    std::int64_t days_trained = 0;   // days of training behind the encoder
    std::int64_t nights = 0;         // nights behind it, slept or deprived (0 right after day 1's Wake)
    // Mean over seeds of each task's accuracy (own readout; every-class readout).
    std::vector<double> mean_accuracy() const;
    std::vector<double> mean_class_incremental_accuracy() const;
    double mean_all_classes_accuracy() const;
};

// One evaluation of the encoder (the spec's eval section).
struct EvaluationReport {
    std::int64_t trained_epochs = 0;  // epochs of training behind the encoder; -1 = a loaded checkpoint
    bool final = true;    // the run's last evaluation (logged at /eval/...; earlier ones at /eval/epoch_NNN/)
    std::string encoder;  // "trained", "untrained" or the checkpoint path
    std::optional<ReadoutReport> readout;
    std::optional<KnnReport> knn;
    std::optional<GeneratedImages> generated_images;
    std::optional<LatentGeometry> geometry;
    std::optional<LatentPca> pca;
    std::optional<WakeSleepOverlap> overlap;
    std::optional<DreamContent> dream_content;
    std::optional<RetentionReport> retention;
    // Where a run logs it when it is not after an epoch: e.g. "day_001" (after day 1's
    // Wake, before its night); "" = by trained_epochs.
    std::string label;
    double seconds = 0;
    // Where the seconds went, part by part in the order they ran: "encoding" (the
    // training and test images, once for every part), then each part enabled
    // ("linear_readout", "knn_readout", "generated_images", "dream_content", "latent_geometry", "pca",
    // "overlap", "retention").
    std::vector<std::pair<std::string, double>> part_seconds;
};

}  // namespace somnus
