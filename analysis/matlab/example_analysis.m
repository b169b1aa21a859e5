function example_analysis(log_path, out_dir)
%EXAMPLE_ANALYSIS  PNG figures and the Wake-vs-REM plasticity cosine of a somnus run.
%   MATLAB:  example_analysis('runs/pad.h5', 'figures')
%   Octave:  system('somnus export runs/pad.h5'); example_analysis('runs/pad.mat', 'figures')
L = somnus.load(log_path);
device = '-dpng';
if exist('OCTAVE_VERSION', 'builtin') && isempty(getenv('DISPLAY')) ...
    && any(strcmp(available_graphics_toolkits(), 'gnuplot'))
  % Headless Octave: gnuplot (Debian gnuplot-nox) draws, its cairo terminal writes the PNG.
  warning('off', 'Octave:gnuplot-graphics');
  graphics_toolkit('gnuplot');
  device = '-dpngcairo';
end
if ~exist(out_dir, 'dir'), mkdir(out_dir); end
a = L.attributes;
fprintf('%s: experiment %s, status %s, %d epoch(s)\n', log_path, a.experiment, a.status, a.epochs_finished);
figures = {'losses', @somnus.plot_losses; 'neuromodulators', @somnus.plot_neuromodulators; ...
           'dreams', @somnus.plot_dreams; 'latent_pca', @somnus.plot_latent_pca};
for k = 1:size(figures, 1)
  fig = figures{k, 2}(L);
  path = fullfile(out_dir, [figures{k, 1} '.png']);
  print(fig, path, device);
  close(fig);
  fprintf('wrote %s\n', path);
end
fprintf('feedforward weight change, last epoch: cosine(wake, rem) = %+.4f\n', somnus.cosine(L, 'wake', 'rem'));
fprintf('feedforward gradient, last epoch: cosine(wake, rem) = %+.4f\n', somnus.cosine(L, 'wake', 'rem', -1, 'gradient'));
z = somnus.activity(L, 'V1_encoder', 'z', 'rem', -1);
fprintf('probe latents after the last REM sample: %d images x %d units\n', size(z, 1), size(z, 2));
end
