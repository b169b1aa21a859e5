// The registered dream-module types: one line each.
#include "sim/model/dream_module.hpp"

namespace somnus {

DreamModuleType mch_neurons_type();
DreamModuleType amygdala_type();
DreamModuleType prefrontal_gate_type();
DreamModuleType dream_filter_type();

// The dream-module types, in the order `somnus --help` lists them.
const DreamModuleTypeRegistration dream_modules{{
    mch_neurons_type(),
    amygdala_type(),
    prefrontal_gate_type(),
    dream_filter_type(),
}};

}  // namespace somnus
