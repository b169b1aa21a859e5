function L = load(path)
%SOMNUS.LOAD  Read a somnus run log into a struct.
%   L = SOMNUS.LOAD('runs/pad.h5')   reads the HDF5 log (MATLAB: h5info/h5read).
%   L = SOMNUS.LOAD('runs/pad.mat')  reads the export of `somnus export runs/pad.h5`
%                                    (MATLAB and Octave, which has no h5read).
%   Groups become structs, datasets arrays with MATLAB's h5read orientation
%   (dimensions reversed: an HDF5 dataset (samples, N, 256) is 256 x N x samples),
%   attributes of a group the field 'attributes'. Layout: docs/log-format.md.
[~, ~, ext] = fileparts(path);
if strcmpi(ext, '.mat')
  S = builtin('load', path);  % MATLAB's load, not this function
  if ~isfield(S, 'somnus_log')
    error('somnus:format', '%s: no variable somnus_log (was it written by `somnus export`?)', path);
  end
  L = S.somnus_log;
  return;
end
if exist('h5info') ~= 2 && exist('h5info') ~= 5  %#ok<EXIST>
  error('somnus:noh5', ['%s: this interpreter has no h5info/h5read (Octave). ' ...
        'Export the log first: somnus export %s, then load the .mat file.'], path, path);
end
L = read_group(path, h5info(path, '/'));
end

function S = read_group(path, info)
S = struct();
prefix = info.Name;
if ~strcmp(prefix(end), '/'), prefix = [prefix '/']; end
for k = 1:numel(info.Datasets)
  d = info.Datasets(k);
  S.(field_name(d.Name)) = h5read(path, [prefix d.Name]);
end
for k = 1:numel(info.Groups)
  g = info.Groups(k);
  parts = strsplit(g.Name, '/');
  S.(field_name(parts{end})) = read_group(path, g);
end
if ~isempty(info.Attributes)
  A = struct();
  for k = 1:numel(info.Attributes)
    a = info.Attributes(k);
    A.(field_name(a.Name)) = h5readatt(path, info.Name, a.Name);
  end
  S.attributes = A;
end
end

function name = field_name(name)
name = regexprep(name, '[^A-Za-z0-9_]', '_');
if isempty(name) || ~isletter(name(1)), name = ['x' name]; end
name = name(1:min(end, 63));
end
