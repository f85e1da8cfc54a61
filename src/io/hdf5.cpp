#include "io/hdf5.hpp"

#include <algorithm>
#include <exception>
#include <cstring>
#include <numeric>
#include <utility>

#include "core/error.hpp"

namespace sppo::h5 {
namespace {

#if H5_VERSION_GE(1, 12, 0)
using ObjectInfo = H5O_info2_t;
#else
using ObjectInfo = H5O_info_t;
#endif

// HDF5 prints its error stack to stderr by default; sppo reports errors itself.
void silence_default_printer() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

herr_t innermost(unsigned n, const H5E_error2_t* e, void* out) {
  if (n == 0) *static_cast<std::string*>(out) = e->desc ? e->desc : "";
  return 0;
}

hid_t native(ElementType type) {
  switch (type) {
    case ElementType::i32: return H5T_NATIVE_INT32;
    case ElementType::i64: return H5T_NATIVE_INT64;
    case ElementType::f32: return H5T_NATIVE_FLOAT;
    case ElementType::u8: return H5T_NATIVE_UINT8;
  }
  return -1;
}

Handle check(hid_t id, Handle::Closer closer, const std::string& what) {
  if (id < 0) throw FormatError(what + (last_error().empty() ? "" : ": " + last_error()));
  return Handle(id, closer);
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) throw IoError(what + (last_error().empty() ? "" : ": " + last_error()));
}

Handle file_access(MPI_Comm comm) {
  Handle fapl = check(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "H5Pcreate(file access)");
  if (comm != MPI_COMM_NULL) check_status(H5Pset_fapl_mpio(fapl.id(), comm, MPI_INFO_NULL), "H5Pset_fapl_mpio");
  return fapl;
}

Handle row_space(const std::vector<int64_t>& dims, int64_t first_row, int64_t rows, hid_t file_space,
                 const std::string& where) {
  if (dims.empty()) throw FormatError(where + ": scalar dataset has no rows");
  if (first_row < 0 || rows < 0 || first_row + rows > dims[0])
    throw FormatError(where + ": rows [" + std::to_string(first_row) + ", " + std::to_string(first_row + rows) +
                      ") outside [0, " + std::to_string(dims[0]) + ")");
  std::vector<hsize_t> start(dims.size(), 0), count(dims.begin(), dims.end());
  start[0] = static_cast<hsize_t>(first_row);
  count[0] = static_cast<hsize_t>(rows);
  check_status(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
               where + ": select rows");
  return check(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose,
               where + ": memory space");
}

std::string describe_type(hid_t type) {
  const std::size_t bits = 8 * H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    case H5T_FLOAT: return "float" + std::to_string(bits);
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    case H5T_ARRAY: return "array";
    default: return "other";
  }
}

herr_t collect_dataset(hid_t, const char* name, const ObjectInfo* info, void* out) {
  if (info->type == H5O_TYPE_DATASET) static_cast<std::vector<std::string>*>(out)->push_back(std::string("/") + name);
  return 0;
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, -1);
    closer_ = other.closer_;
  }
  return *this;
}

void Handle::reset() noexcept {
  if (id_ >= 0 && closer_) closer_(id_);
  id_ = -1;
}

const char* element_type_name(ElementType type) {
  switch (type) {
    case ElementType::i32: return "int32";
    case ElementType::i64: return "int64";
    case ElementType::f32: return "float32";
    case ElementType::u8: return "uint8";
  }
  return "?";
}

std::size_t element_size(ElementType type) {
  switch (type) {
    case ElementType::i32: return 4;
    case ElementType::i64: return 8;
    case ElementType::f32: return 4;
    case ElementType::u8: return 1;
  }
  return 0;
}

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string last_error() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &message);
  return message;
}

bool is_hdf5(const std::string& path) {
  silence_default_printer();
  return H5Fis_hdf5(path.c_str()) > 0;
}

// ---------------------------------------------------------------- Dataset
std::vector<int64_t> Dataset::dims() const {
  Handle space = check(H5Dget_space(id()), H5Sclose, where() + ": dataspace");
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 0) throw FormatError(where() + ": cannot read its rank");
  std::vector<hsize_t> d(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), d.data(), nullptr);
  return {d.begin(), d.end()};
}

std::optional<ElementType> Dataset::element_type() const {
  Handle type = check(H5Dget_type(id()), H5Tclose, where() + ": type");
  for (ElementType t : {ElementType::i32, ElementType::i64, ElementType::f32, ElementType::u8})
    if (H5Tequal(type.id(), native(t)) > 0) return t;
  return std::nullopt;
}

std::string Dataset::type_description() const {
  Handle type = check(H5Dget_type(id()), H5Tclose, where() + ": type");
  return describe_type(type.id());
}

void Dataset::write_rows(int64_t first_row, int64_t rows, const void* data, ElementType type) {
  if (rows == 0) {  // nothing to select: HDF5 refuses empty hyperslabs, so only check the range
    const auto d = dims();
    if (d.empty() || first_row < 0 || first_row > d[0]) throw FormatError(where() + ": row " + std::to_string(first_row) + " outside the dataset");
    return;
  }
  Handle space = check(H5Dget_space(id()), H5Sclose, where() + ": dataspace");
  Handle memory = row_space(dims(), first_row, rows, space.id(), where());
  check_status(H5Dwrite(id(), native(type), memory.id(), space.id(), H5P_DEFAULT, data),
               where() + ": write rows [" + std::to_string(first_row) + ", " + std::to_string(first_row + rows) + ")");
}

void Dataset::read_rows(int64_t first_row, int64_t rows, void* data, ElementType type) const {
  if (rows == 0) {
    const auto d = dims();
    if (d.empty() || first_row < 0 || first_row > d[0]) throw FormatError(where() + ": row " + std::to_string(first_row) + " outside the dataset");
    return;
  }
  Handle space = check(H5Dget_space(id()), H5Sclose, where() + ": dataspace");
  Handle memory = row_space(dims(), first_row, rows, space.id(), where());
  check_status(H5Dread(id(), native(type), memory.id(), space.id(), H5P_DEFAULT, data),
               where() + ": read rows [" + std::to_string(first_row) + ", " + std::to_string(first_row + rows) + ")");
}

template <class T>
std::vector<T> Dataset::read_all() const {
  const auto d = dims();
  const int64_t n = std::accumulate(d.begin(), d.end(), int64_t{1}, std::multiplies<>());
  std::vector<T> out(static_cast<std::size_t>(n));
  if (!d.empty()) read_rows(0, d[0], out.data());
  return out;
}
template std::vector<int32_t> Dataset::read_all<int32_t>() const;
template std::vector<int64_t> Dataset::read_all<int64_t>() const;
template std::vector<float> Dataset::read_all<float>() const;
template std::vector<uint8_t> Dataset::read_all<uint8_t>() const;

// ---------------------------------------------------------------- File
File File::create(const std::string& path, MPI_Comm comm) {
  silence_default_printer();
  Handle fapl = file_access(comm);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
  if (id < 0) throw IoError(path + ": cannot create HDF5 file" + (last_error().empty() ? "" : ": " + last_error()));
  return File(Handle(id, H5Fclose), path, comm != MPI_COMM_NULL);
}

File File::open(const std::string& path, bool writable, MPI_Comm comm) {
  silence_default_printer();
  Handle fapl = file_access(comm);
  hid_t id = H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl.id());
  if (id < 0) throw FormatError(path + ": cannot open as HDF5" + (last_error().empty() ? "" : ": " + last_error()));
  return File(Handle(id, H5Fclose), path, comm != MPI_COMM_NULL);
}

Dataset File::create_dataset(const std::string& dataset_path, ElementType type, const std::vector<int64_t>& dims) {
  const std::string where = path_ + ": " + dataset_path;
  std::vector<hsize_t> d(dims.begin(), dims.end());
  Handle space = check(H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr), H5Sclose, where + ": dataspace");
  Handle lcpl = check(H5Pcreate(H5P_LINK_CREATE), H5Pclose, where + ": link properties");
  check_status(H5Pset_create_intermediate_group(lcpl.id(), 1), where + ": intermediate groups");
  Handle dcpl = check(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, where + ": dataset properties");
  check_status(H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY), where + ": early allocation");
  check_status(H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_ALLOC), where + ": fill time");
  Handle dataset = check(H5Dcreate2(id(), dataset_path.c_str(), native(type), space.id(), lcpl.id(), dcpl.id(), H5P_DEFAULT),
                         H5Dclose, where + ": cannot create dataset");
  return Dataset(std::move(dataset), path_, dataset_path);
}

Dataset File::open_dataset(const std::string& dataset_path) const {
  if (!exists(dataset_path)) throw FormatError(path_ + ": dataset " + dataset_path + " is missing");
  return Dataset(check(H5Dopen2(id(), dataset_path.c_str(), H5P_DEFAULT), H5Dclose,
                       path_ + ": cannot open dataset " + dataset_path),
                 path_, dataset_path);
}

bool File::exists(const std::string& object_path) const {
  // Each component must exist before the next can be asked about.
  std::size_t pos = 0;
  while (true) {
    pos = object_path.find('/', pos + 1);
    const std::string prefix = object_path.substr(0, pos);
    if (!prefix.empty() && prefix != "/" && H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

void File::flush() { check_status(H5Fflush(id(), H5F_SCOPE_GLOBAL), path_ + ": flush"); }

File::~File() {
  if (parallel_ && std::uncaught_exceptions() > 0) h_.release();  // see the header: no collective while unwinding
}

void File::close() {
  if (!h_.valid()) return;
  check_status(H5Fclose(h_.release()), path_ + ": close");
}

void File::set_attribute(const std::string& name, const std::string& value) {
  const std::string where = path_ + ": attribute " + name;
  Handle type = check(H5Tcopy(H5T_C_S1), H5Tclose, where);
  check_status(H5Tset_size(type.id(), std::max<std::size_t>(value.size(), 1)), where + ": string size");
  check_status(H5Tset_strpad(type.id(), H5T_STR_NULLPAD), where + ": string padding");
  check_status(H5Tset_cset(type.id(), H5T_CSET_UTF8), where + ": character set");
  Handle space = check(H5Screate(H5S_SCALAR), H5Sclose, where);
  if (H5Aexists(id(), name.c_str()) > 0) check_status(H5Adelete(id(), name.c_str()), where + ": replace");
  Handle attr = check(H5Acreate2(id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose, where);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  check_status(H5Awrite(attr.id(), type.id(), padded.data()), where + ": write");
}

void File::set_attribute(const std::string& name, int64_t value) {
  const std::string where = path_ + ": attribute " + name;
  Handle space = check(H5Screate(H5S_SCALAR), H5Sclose, where);
  if (H5Aexists(id(), name.c_str()) > 0) check_status(H5Adelete(id(), name.c_str()), where + ": replace");
  Handle attr = check(H5Acreate2(id(), name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose, where);
  check_status(H5Awrite(attr.id(), H5T_NATIVE_INT64, &value), where + ": write");
}

std::optional<std::string> File::string_attribute(const std::string& name) const {
  if (H5Aexists(id(), name.c_str()) <= 0) return std::nullopt;
  const std::string where = path_ + ": attribute " + name;
  Handle attr = check(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose, where);
  Handle type = check(H5Aget_type(attr.id()), H5Tclose, where);
  if (H5Tget_class(type.id()) != H5T_STRING) throw FormatError(where + ": expected a string");
  if (H5Tis_variable_str(type.id()) > 0) {
    Handle memtype = check(H5Tcopy(H5T_C_S1), H5Tclose, where);
    H5Tset_size(memtype.id(), H5T_VARIABLE);
    char* text = nullptr;
    check_status(H5Aread(attr.id(), memtype.id(), &text), where + ": read");
    std::string out = text ? text : "";
    H5free_memory(text);
    return out;
  }
  const std::size_t size = H5Tget_size(type.id());
  std::string out(size, '\0');
  check_status(H5Aread(attr.id(), type.id(), out.data()), where + ": read");
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<int64_t> File::int_attribute(const std::string& name) const {
  if (H5Aexists(id(), name.c_str()) <= 0) return std::nullopt;
  const std::string where = path_ + ": attribute " + name;
  Handle attr = check(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose, where);
  Handle type = check(H5Aget_type(attr.id()), H5Tclose, where);
  if (H5Tget_class(type.id()) != H5T_INTEGER) throw FormatError(where + ": expected an integer");
  int64_t value = 0;
  check_status(H5Aread(attr.id(), H5T_NATIVE_INT64, &value), where + ": read");
  return value;
}

std::vector<std::string> File::attribute_names() const {
  std::vector<std::string> names;
  ObjectInfo info;
#if H5_VERSION_GE(1, 12, 0)
  H5Oget_info3(id(), &info, H5O_INFO_NUM_ATTRS);
#else
  H5Oget_info2(id(), &info, H5O_INFO_NUM_ATTRS);
#endif
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    char buf[256];
    const ssize_t n = H5Aget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, buf, sizeof buf, H5P_DEFAULT);
    if (n > 0) names.emplace_back(buf, static_cast<std::size_t>(std::min<ssize_t>(n, sizeof buf - 1)));
  }
  return names;
}

std::string File::describe_attribute(const std::string& name) const {
  const std::string where = path_ + ": attribute " + name;
  Handle attr = check(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose, where);
  Handle type = check(H5Aget_type(attr.id()), H5Tclose, where);
  Handle space = check(H5Aget_space(attr.id()), H5Sclose, where);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  const H5T_class_t cls = H5Tget_class(type.id());
  if (n == 1 && cls == H5T_STRING) return "\"" + string_attribute(name).value_or("") + "\"";
  if (n == 1 && cls == H5T_INTEGER) {
    int64_t v = 0;
    check_status(H5Aread(attr.id(), H5T_NATIVE_INT64, &v), where);
    return describe_type(type.id()) + " " + std::to_string(v);
  }
  if (n == 1 && cls == H5T_FLOAT) {
    double v = 0;
    check_status(H5Aread(attr.id(), H5T_NATIVE_DOUBLE, &v), where);
    return describe_type(type.id()) + " " + std::to_string(v);
  }
  return describe_type(type.id()) + "[" + std::to_string(n) + "]";
}

std::vector<std::string> File::dataset_paths() const {
  std::vector<std::string> paths;
#if H5_VERSION_GE(1, 12, 0)
  H5Ovisit3(id(), H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &paths, H5O_INFO_BASIC);
#else
  H5Ovisit2(id(), H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &paths, H5O_INFO_BASIC);
#endif
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace sppo::h5
