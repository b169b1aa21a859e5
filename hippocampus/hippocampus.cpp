#include "hippocampus/hippocampus.hpp"

#include <cmath>
#include <stdexcept>

namespace somnus {

Hippocampus::Hippocampus(HippocampusParams params) : params_(std::move(params)), retention_(params_.keep) {}

void Hippocampus::set_source(const torch::Tensor& labels, std::int64_t day) {
    source_labels_ = labels;
    source_day_ = day;
}

void Hippocampus::store(const torch::Tensor& latents, std::int64_t step) {
    const std::int64_t rows = latents.size(0);
    auto salience = torch::ones({rows}, latents.options().dtype(torch::kFloat32));
    auto labels = source_labels_.defined() && source_labels_.size(0) == rows
                      ? source_labels_.to(latents.device(), torch::kInt64)
                      : torch::full({rows}, -1, latents.options().dtype(torch::kInt64));
    const std::int64_t k = stored_++;  // episodes stored before this one
    if (retention_ == Retention::reservoir && static_cast<std::int64_t>(episodes_.size()) >= params_.capacity) {
        // Algorithm R: the (k+1)-th episode takes the place of a held one with probability capacity / (k+1).
        const auto j = torch::randint(k + 1, {1}, torch::kInt64).item<std::int64_t>();  // host: a scalar
        if (j >= params_.capacity) return;
        episodes_.erase(episodes_.begin() + static_cast<std::ptrdiff_t>(j));  // the rest stay in storage order
    }
    episodes_.push_back({latents.detach(), salience, k, step, labels, source_day_});
    while (static_cast<std::int64_t>(episodes_.size()) > params_.capacity) forget_one();
}

torch::Tensor Hippocampus::cued_rows(const Episode& e) const {
    if (!cue_) return torch::zeros_like(e.salience, torch::kBool);
    auto cued = torch::zeros_like(e.labels, torch::kBool);
    for (std::int64_t c : cue_->classes) cued.logical_or_(e.labels == c);
    if (cue_->day >= 0 && e.day == cue_->day) cued.fill_(true);
    return cued;
}

torch::Tensor Hippocampus::weights(const Episode& e) const {
    if (!cue_) return e.salience;
    return torch::where(cued_rows(e), e.salience * cue_->factor, e.salience);
}

torch::Tensor Hippocampus::stored_latents() const {
    if (episodes_.empty()) return {};
    std::vector<torch::Tensor> all;
    for (const auto& e : episodes_) all.push_back(e.latents);
    return torch::cat(all);
}

std::int64_t Hippocampus::memories() const {
    std::int64_t n = 0;
    for (const auto& e : episodes_) n += e.latents.size(0);
    return n;
}

const Hippocampus::Episode& Hippocampus::newest() const {
    if (episodes_.empty()) throw std::logic_error("hippocampus: replay before anything was stored");
    return episodes_.back();
}

// ---- which memories a replay draws -------------------------------------------
Hippocampus::Draw Hippocampus::whole(const Episode& e, std::int64_t index) const {
    return Draw{e.latents, e.salience, &e, index, torch::full_like(e.labels, e.day), cued_rows(e)};
}

Hippocampus::Draw Hippocampus::draw() const {
    const Episode& last = newest();
    if (params_.replay == ReplaySource::newest) return whole(last, occupancy() - 1);
    if (params_.replay == ReplaySource::episode) {
        std::vector<torch::Tensor> weight;
        for (const auto& e : episodes_) weight.push_back(weights(e).mean());
        auto w = torch::stack(weight).to(torch::kCPU, torch::kDouble);
        if (w.sum().item<double>() <= 0) w = torch::ones_like(w);  // every memory fully faded in salience: uniform
        auto i = torch::multinomial(w, 1).item<std::int64_t>();
        return whole(episodes_[static_cast<std::size_t>(i)], i);
    }
    // "memories": a mini-batch of single memories from all episodes, drawn with replacement
    // by salience (times the cue's factor for cued memories).
    std::vector<torch::Tensor> latents, salience, weight, days, cued;
    for (const auto& e : episodes_) {
        latents.push_back(e.latents);
        salience.push_back(e.salience);
        weight.push_back(weights(e));
        days.push_back(torch::full_like(e.labels, e.day));
        cued.push_back(cued_rows(e));
    }
    auto all_latents = torch::cat(latents), all_salience = torch::cat(salience);
    auto w = torch::cat(weight).to(torch::kCPU, torch::kDouble);
    if (w.sum().item<double>() <= 0) w = torch::ones_like(w);
    auto rows = torch::multinomial(w, last.latents.size(0), /*replacement=*/true);
    std::int64_t first = rows[0].item<std::int64_t>(), index = 0;
    while (first >= episodes_[static_cast<std::size_t>(index)].latents.size(0))
        first -= episodes_[static_cast<std::size_t>(index++)].latents.size(0);
    rows = rows.to(all_latents.device());
    return {all_latents.index_select(0, rows), all_salience.index_select(0, rows),
            &episodes_[static_cast<std::size_t>(index)], index, torch::cat(days).index_select(0, rows),
            torch::cat(cued).index_select(0, rows)};
}

std::optional<Hippocampus::Draw> Hippocampus::partner_of(const Draw& d) const {
    if (params_.replay == ReplaySource::memories) {
        if (episodes_.size() < 2) return std::nullopt;
        return draw();  // more memories, drawn the same way
    }
    const auto& size = d.latents.sizes();
    if (params_.partner == MixPartner::previous) {
        if (d.index < 1) return std::nullopt;
        const Episode& e = episodes_[static_cast<std::size_t>(d.index - 1)];
        if (e.latents.sizes() != size) return std::nullopt;
        return whole(e, d.index - 1);
    }
    bool any = false;  // "random": another episode of the same size
    for (std::size_t i = 0; i < episodes_.size(); ++i)
        any |= std::int64_t(i) != d.index && episodes_[i].latents.sizes() == size;
    if (!any) return std::nullopt;
    const bool newest_drawn = d.index == occupancy() - 1;
    while (true) {
        // The reference policy draws among the older episodes, as PAD's code does.
        auto i =
            torch::randint(newest_drawn ? occupancy() - 1 : occupancy(), {1}).item<std::int64_t>();  // host: a scalar
        if (i != d.index && episodes_[static_cast<std::size_t>(i)].latents.sizes() == size)
            return whole(episodes_[static_cast<std::size_t>(i)], i);
    }
}

bool Hippocampus::can_mix() const {
    if (episodes_.empty()) return false;
    if (params_.replay == ReplaySource::memories) return episodes_.size() >= 2;
    if (params_.replay == ReplaySource::episode) {
        for (std::size_t i = 0; i < episodes_.size(); ++i)
            for (std::size_t j = 0; j < episodes_.size(); ++j)
                if (i != j && episodes_[i].latents.sizes() == episodes_[j].latents.sizes()) return true;
        return false;
    }
    if (episodes_.size() < 2) return false;
    const auto& size = newest().latents.sizes();
    if (params_.partner == MixPartner::previous) return episodes_[episodes_.size() - 2].latents.sizes() == size;
    for (std::size_t i = 0; i + 1 < episodes_.size(); ++i)
        if (episodes_[i].latents.sizes() == size) return true;
    return false;
}

torch::Tensor Hippocampus::kept_rows(const Draw& d) const {
    const std::int64_t rows = d.latents.size(0);
    const auto k =
        std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(filter_.fraction * double(rows) - 1e-9)));
    if (k >= rows) return {};
    if (filter_.prefer == KeptMemories::random)
        return torch::randperm(rows, torch::TensorOptions().dtype(torch::kLong)).slice(0, 0, k).to(d.latents.device());
    return std::get<1>(d.salience.topk(k)).to(d.latents.device());
}

void Hippocampus::note_replay(const Draw& d, const Draw* partner) {
    ++last_replay_.count;
    last_replay_.episode = d.episode->id;
    last_replay_.episode_step = d.episode->step;
    last_replay_.partner = partner ? partner->episode->id : -1;
    last_replay_.partner_step = partner ? partner->episode->step : -1;
    last_replay_.memories = d.latents.size(0);
    last_replay_.salience = d.salience.mean().detach();
    last_replay_.days = d.days;
    last_replay_.cued = d.cued;
}

namespace {
torch::Tensor rows_of(const torch::Tensor& t, const torch::Tensor& rows) {
    return rows.defined() ? t.index_select(0, rows) : t;
}
torch::Tensor noise_for(const torch::Tensor& noise, std::int64_t rows) {
    if (noise.size(0) < rows) throw std::logic_error("hippocampus: fewer noise rows than replayed memories");
    return noise.size(0) == rows ? noise : noise.narrow(0, 0, rows);
}
}  // namespace

void Hippocampus::Draw::keep(const torch::Tensor& rows) {
    latents = rows_of(latents, rows);
    salience = rows_of(salience, rows);
    days = rows_of(days, rows);
    cued = rows_of(cued, rows);
}

torch::Tensor Hippocampus::replay() {
    Draw d = draw();
    d.keep(kept_rows(d));
    note_replay(d, nullptr);
    return d.latents;
}

torch::Tensor Hippocampus::replay_mixed(double lambda, double alpha, const torch::Tensor& noise) {
    Draw d = draw();
    auto old = partner_of(d);
    // The reference policy always has the previous episode here (can_mix); a drawn
    // episode may have none (the oldest one, partner "previous"): then no mixing.
    if (!old && params_.replay == ReplaySource::newest)
        throw std::logic_error("hippocampus: no older episode to mix with");
    auto rows = kept_rows(d);
    d.keep(rows);
    note_replay(d, old ? &*old : nullptr);
    const auto mixed_noise = (1.0 - lambda) * noise_for(noise, d.latents.size(0));
    if (!old) return lambda * d.latents + mixed_noise;
    old->latents = rows_of(old->latents, rows);
    return lambda * (alpha * d.latents + (1.0 - alpha) * old->latents) + mixed_noise;
}

torch::Tensor Hippocampus::replay_unmixed(double lambda, const torch::Tensor& noise) {
    auto z = replay();
    return lambda * z + (1.0 - lambda) * noise_for(noise, z.size(0));
}

torch::Tensor Hippocampus::replay_mixture(const MixingRule& rule, const torch::Tensor& noise, bool first_of_epoch,
                                          bool first_of_run) {
    if (rule.first_step == FirstDream::paper && first_of_run) return replay();
    bool first = rule.first_step == FirstDream::reference && first_of_epoch;
    if (!rule.mix_memories || first || !can_mix()) return replay_unmixed(rule.lambda, noise);
    return replay_mixed(rule.lambda, rule.alpha, noise);
}

// ---- the amygdala and MCH neurons --------------------------------------------
void Hippocampus::tag_newest(const torch::Tensor& salience) {
    Episode& e = episodes_.empty() ? throw std::logic_error("hippocampus: tagging before anything was stored")
                                   : episodes_.back();
    if (salience.dim() != 1 || salience.size(0) != e.latents.size(0))
        throw std::invalid_argument("hippocampus: one salience per memory of the newest episode");
    e.salience = salience.detach().to(e.latents.device(), torch::kFloat32).clamp_min(0);
}

std::vector<torch::Tensor> Hippocampus::salience() const {
    std::vector<torch::Tensor> out;
    for (const auto& e : episodes_) out.push_back(e.salience);
    return out;
}

void Hippocampus::forget_one() {
    if (retention_ == Retention::salience && episodes_.size() > 1) {
        std::size_t lowest = 0;
        double low = episodes_[0].salience.mean().item<double>();
        for (std::size_t i = 1; i + 1 < episodes_.size(); ++i)
            if (double m = episodes_[i].salience.mean().item<double>(); m < low) low = m, lowest = i;
        episodes_.erase(episodes_.begin() + static_cast<std::ptrdiff_t>(lowest));
        return;
    }
    episodes_.pop_front();
}

std::int64_t Hippocampus::prune(std::int64_t count, PruneOrder which) {
    std::int64_t removed = 0;
    while (removed < count && episodes_.size() > 1) {  // the newest episode stays
        std::size_t i = 0;
        if (which == PruneOrder::random) {
            i = static_cast<std::size_t>(torch::randint(occupancy() - 1, {1}).item<std::int64_t>());  // host: a scalar
        } else if (which == PruneOrder::least_salient) {
            double low = episodes_[0].salience.mean().item<double>();
            for (std::size_t j = 1; j + 1 < episodes_.size(); ++j)
                if (double m = episodes_[j].salience.mean().item<double>(); m < low) low = m, i = j;
        }
        episodes_.erase(episodes_.begin() + static_cast<std::ptrdiff_t>(i));
        ++removed;
    }
    return removed;
}

void Hippocampus::fade(double rate) {
    for (auto& e : episodes_) e.latents = e.latents * (1.0 - rate);
}

// ---- checkpoints ----------------------------------------------------------------
void Hippocampus::save(torch::serialize::OutputArchive& archive) const {
    std::vector<std::int64_t> ids, steps, days;
    for (std::size_t i = 0; i < episodes_.size(); ++i) {
        archive.write("latents." + std::to_string(i), episodes_[i].latents);
        archive.write("salience." + std::to_string(i), episodes_[i].salience);
        archive.write("labels." + std::to_string(i), episodes_[i].labels);
        ids.push_back(episodes_[i].id);
        steps.push_back(episodes_[i].step);
        days.push_back(episodes_[i].day);
    }
    archive.write("ids", torch::tensor(ids, torch::kInt64));      // host: bookkeeping
    archive.write("steps", torch::tensor(steps, torch::kInt64));  // host: bookkeeping
    archive.write("days", torch::tensor(days, torch::kInt64));    // host: bookkeeping
    const ReplayRecord& r = last_replay_;
    archive.write("counters", torch::tensor(std::vector<std::int64_t>{stored_, r.count, r.episode, r.episode_step,
                                                                      r.partner,  // host: bookkeeping
                                                                      r.partner_step, r.memories},
                                            torch::kInt64));
    archive.write("replayed_salience", r.salience.to(torch::kCPU, torch::kFloat64).reshape({1}));
}

void Hippocampus::load(torch::serialize::InputArchive& archive) {
    torch::Tensor ids, steps, counters, salience, days;
    archive.read("ids", ids);
    archive.read("steps", steps);
    const bool has_days = archive.try_read("days", days);  // a checkpoint of before days were kept has none
    archive.read("counters", counters);
    archive.read("replayed_salience", salience);
    episodes_.clear();
    for (std::int64_t i = 0; i < ids.size(0); ++i) {
        Episode e;
        archive.read("latents." + std::to_string(i), e.latents);
        archive.read("salience." + std::to_string(i), e.salience);
        e.id = ids[i].item<std::int64_t>();
        e.step = steps[i].item<std::int64_t>();
        if (!archive.try_read("labels." + std::to_string(i), e.labels))
            e.labels = torch::full({e.latents.size(0)}, -1, e.latents.options().dtype(torch::kInt64));
        e.day = has_days ? days[i].item<std::int64_t>() : -1;
        episodes_.push_back(std::move(e));
    }
    auto c = counters.accessor<std::int64_t, 1>();
    stored_ = c[0];
    last_replay_ = ReplayRecord{};
    last_replay_.count = c[1];
    last_replay_.episode = c[2];
    last_replay_.episode_step = c[3];
    last_replay_.partner = c[4];
    last_replay_.partner_step = c[5];
    last_replay_.memories = c[6];
    last_replay_.salience = salience[0].clone();
}

}  // namespace somnus
