// `somnus train-classifier SPEC --out FILE`: the fixed image classifier that the
// generated_images evaluation judges reconstructions and samples by, trained once
// on the spec's data (its data set, path and normalisation) from --seed.
#include <cstdio>
#include <memory>

#include "data/datasets.hpp"
#include "sim/base/files.hpp"
#include "sim/cli/command.hpp"
#include "sim/eval/image_classifier.hpp"
#include "sim/run/runtime.hpp"
#include "sim/spec/data_check.hpp"

namespace somnus::cli {

namespace {

struct TrainClassifierOptions {
    SpecOptions spec;
    std::string out;
    bool overwrite = false;
    ImageClassifierTraining training;
};

}  // namespace

Command add_train_classifier_command(CLI::App& app) {
    auto o = std::make_shared<TrainClassifierOptions>();
    auto* command = app.add_subcommand(
        "train-classifier",
        "train the fixed image classifier of eval.generated_images on the spec's data (docs/evaluations.md)");
    add_spec_options(command, o->spec);
    command->add_option("--threads", o->spec.threads, "CPU threads for LibTorch (0 = all cores); overrides the spec");
    command->add_option("--out", o->out, "the classifier file to write")->required();
    command->add_flag("--overwrite", o->overwrite, "replace an existing file at the --out path");
    command->add_option("--seed", o->training.seed, "seed of the initialisation and the mini-batch order")
        ->check(CLI::NonNegativeNumber);
    command->add_option("--epochs", o->training.epochs, "passes over the training set")->check(CLI::Range(1, 1000));
    return {command, [o] {
                auto spec = load(o->spec);
                check_data(spec);
                std::vector<std::filesystem::path> inputs{o->spec.path};
                check_output(o->out, inputs, Replace::if_asked, o->overwrite, "the classifier file");
                use_threads(spec.threads);
                ImageClassifierInfo info;
                info.dataset = name_of(spec.data.dataset);
                info.mean = spec.data.mean;
                info.std = spec.data.std;
                info.classes = dataset_classes(spec.data.dataset);
                const ImageSet train = load_images(spec.data, /*train=*/true), test = load_images(spec.data, false);
                std::printf("somnus: training an image classifier on %lld %s images, %lld epochs, seed %lld\n",
                            static_cast<long long>(train.size()), info.dataset.c_str(),
                            static_cast<long long>(o->training.epochs), static_cast<long long>(o->training.seed));
                std::fflush(stdout);
                ImageClassifier classifier = train_image_classifier(
                    train, test, o->training, info, [](std::int64_t epoch, double accuracy) {
                        std::printf("epoch %lld: test accuracy %.2f %%\n", static_cast<long long>(epoch + 1),
                                    100 * accuracy);
                        std::fflush(stdout);
                    });
                save_image_classifier(classifier, info, o->out);
                std::printf("classifier: %s (test accuracy %.2f %% on %lld test images)\n", o->out.c_str(),
                            100 * info.test_accuracy, static_cast<long long>(test.size()));
                return 0;
            }};
}

}  // namespace somnus::cli
