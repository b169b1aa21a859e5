function fig = plot_neuromodulators(L)
%SOMNUS.PLOT_NEUROMODULATORS  ACh, NA and the generator's plasticity sign of each state per step.
states = fieldnames(L.states);
states = states(~strcmp(states, 'attributes'));
fig = figure('visible', 'off', 'position', [0 0 800 600]);
names = {'ach', 'na', 'feedback_sign'};
labels = {'ACh', 'NA', 'feedback (generator) plasticity sign'};
for r = 1:3
  subplot(3, 1, r);
  hold on;
  for k = 1:numel(states)
    G = L.states.(states{k});
    if r < 3, y = G.neuromodulators.(names{r}); else, y = G.conductor.(names{r}); end
    plot(double(G.step), y, 'o-');
  end
  hold off;
  ylim([-1.2 1.2]); ylabel(labels{r});
  legend(states);
end
xlabel('step (mini-batch)');
end
