// The sections of a spec, each declared (its ParameterSet) and read in its own
// file of this layer: spec.cpp (the top level, data, training), modules.cpp
// (modules, pathways, states), schedule_section.cpp, record_section.cpp and
// eval_section.cpp. Private to sim/spec/.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/spec/spec.hpp"

namespace somnus {

// The top level of a spec, and its object sections.
const ParameterSet& spec_parameters();
const ParameterSet& data_parameters();
const ParameterSet& schedule_parameters();
const ParameterSet& training_parameters();
const ParameterSet& record_parameters();      // its own keys and the registered probes'
const ParameterSet& record_own_parameters();  // its own keys (path, checkpoints, ...)
const ParameterSet& eval_parameters();
const ParameterSet& pathway_parameters();

DataSpec parse_data(ObjectReader& r);
std::vector<ModuleSpec> parse_modules(const Json& j, const JsonPointer& where);
std::vector<PathwaySpec> parse_pathways(const Json& j, const JsonPointer& where);
std::vector<StateSpec> parse_states(const Json& j, const JsonPointer& where);
// `classes`: the data set's (days and cues name classes 0 .. classes - 1).
ScheduleSpec parse_schedule(ObjectReader& r, std::int64_t classes);
TrainingSpec parse_training(ObjectReader& r);
RecordSpec parse_record(ObjectReader& r);
EvalSpec parse_eval(ObjectReader& r, std::int64_t training_epochs);

}  // namespace somnus
