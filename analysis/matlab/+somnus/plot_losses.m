function fig = plot_losses(L)
%SOMNUS.PLOT_LOSSES  Every loss term of every brain state against the run step.
states = fieldnames(L.states);
states = states(~strcmp(states, 'attributes'));
fig = figure('visible', 'off', 'position', [0 0 400 * numel(states) 320]);
for k = 1:numel(states)
  subplot(1, numel(states), k);
  T = somnus.losses(L, states{k});
  terms = setdiff(fieldnames(T), {'step', 'epoch'});
  hold on;
  for t = 1:numel(terms)
    plot(T.step, T.(terms{t}));
  end
  hold off;
  title(states{k}); xlabel('step (mini-batch)'); ylabel('loss');
  legend(strrep(terms, '_', ' '));
end
end
