function R = retention(L)
%SOMNUS.RETENTION  Retention across days: the run's retention tests and their summaries.
%   R = SOMNUS.RETENTION(L) for a log read by SOMNUS.LOAD (eval.retention on;
%   docs/memory-across-days.md) has
%     R.accuracy                    tests x tasks: each task's own readout, trained and
%                                   tested on its classes alone (mean over classifier
%                                   seeds, a fraction); row i is the i-th test
%     R.class_incremental_accuracy  tests x tasks: the every-class readout on each
%                                   task's test images (empty in logs from before it)
%     R.nights                tests x 1 (0: after day 1's Wake, before its night)
%     R.days_trained                tests x 1
%     R.all_classes_accuracy        tests x 1: the every-class readout on every image
%     R.reconstruction_error        tests x tasks
%     R.tasks                       1 x tasks cell of class vectors
%   and the continual-learning summaries of R.accuracy (the definitions of somnus
%   table and Run.retention_summary() in Python; T = the last test's nights):
%     R.average_accuracy            mean over tasks at the last test
%     R.forgetting                  1 x tasks: best accuracy after nights j .. T-1
%                                   minus the last (task j, 1-based; NaN for the last)
%     R.mean_forgetting             over the tasks before the last
%     R.backward_transfer           mean over j < T of the last accuracy minus that
%                                   right after night j
%   R.class_incremental holds the same four summaries of R.class_incremental_accuracy.
if ~isfield(L, 'retention')
  error('somnus:retention', 'this log has no retention tests (eval.retention was off)');
end
G = L.retention;
% The log's datasets are (tests, tasks) in HDF5; h5read and the .mat export reverse them.
R.accuracy = double(G.accuracy)';
R.class_incremental_accuracy = [];
if isfield(G, 'class_incremental_accuracy'), R.class_incremental_accuracy = double(G.class_incremental_accuracy)'; end
R.reconstruction_error = double(G.reconstruction_error)';
R.nights = double(G.nights(:));
R.days_trained = double(G.days_trained(:));
R.all_classes_accuracy = double(G.all_classes_accuracy(:));
classes = double(G.tasks);  % classes x tasks, padded with -1
R.tasks = cell(1, size(classes, 2));
for t = 1:size(classes, 2)
  R.tasks{t} = classes(classes(:, t) >= 0, t)';
end
S = summarize(R.accuracy, R.nights);
for name = fieldnames(S)'
  R.(name{1}) = S.(name{1});
end
R.class_incremental = struct();
if ~isempty(R.class_incremental_accuracy)
  R.class_incremental = summarize(R.class_incremental_accuracy, R.nights);
end
end

function S = summarize(A, nights)
tasks = size(A, 2);
last = find(nights == max(nights), 1, 'last');
final = A(last, :);
T = nights(last);
S.average_accuracy = mean(final);
S.forgetting = nan(1, tasks);
transfer = [];
for j = 1:tasks - 1
  earlier = [];
  for l = j:T - 1
    row = find(nights == l, 1, 'last');
    if ~isempty(row), earlier(end + 1) = A(row, j); end %#ok<AGROW>
  end
  if ~isempty(earlier), S.forgetting(j) = max(earlier) - final(j); end
  learned = find(nights == j, 1, 'last');
  if ~isempty(learned) && j < T
    transfer(end + 1) = final(j) - A(learned, j); %#ok<AGROW>
  end
end
counted = S.forgetting(~isnan(S.forgetting));
if isempty(counted), S.mean_forgetting = NaN; else, S.mean_forgetting = mean(counted); end
if isempty(transfer), S.backward_transfer = NaN; else, S.backward_transfer = mean(transfer); end
end
