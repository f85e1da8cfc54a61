#pragma once
// defines: move-only RAII handles over the HDF5 C API (file, group, dataset, dataspace,
// property list, attribute), serial or parallel (MPI-IO) file access, row-range hyperslab
// reads and writes of int32/int64/float32/uint8 arrays, and string/int64 attributes.
// Every failure throws FormatError/IoError with the file, the object and HDF5's own reason.
#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sppo::h5 {

// One owned hid_t and the function that closes it.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset() noexcept;
  hid_t release() noexcept { return std::exchange(id_, -1); }  // the caller closes it now

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

enum class ElementType { i32, i64, f32, u8 };
const char* element_type_name(ElementType type);
std::size_t element_size(ElementType type);

template <class T> constexpr ElementType element_type_of();
template <> constexpr ElementType element_type_of<int32_t>() { return ElementType::i32; }
template <> constexpr ElementType element_type_of<int64_t>() { return ElementType::i64; }
template <> constexpr ElementType element_type_of<float>() { return ElementType::f32; }
template <> constexpr ElementType element_type_of<uint8_t>() { return ElementType::u8; }

class Dataset {
 public:
  Dataset(Handle handle, std::string file, std::string path) : h_(std::move(handle)), file_(std::move(file)), path_(std::move(path)) {}
  hid_t id() const { return h_.id(); }
  const std::string& path() const { return path_; }

  std::vector<int64_t> dims() const;
  // The element type, or nullopt for types sppo never writes.
  std::optional<ElementType> element_type() const;
  // "int32", "float64", "string", ... for any HDF5 type.
  std::string type_description() const;

  // Rows [first_row, first_row + rows) along dimension 0, all of every other dimension;
  // `data` holds rows x (product of the other dims) elements of `type`. Independent I/O.
  void write_rows(int64_t first_row, int64_t rows, const void* data, ElementType type);
  void read_rows(int64_t first_row, int64_t rows, void* data, ElementType type) const;

  template <class T>
  void write_rows(int64_t first_row, int64_t rows, const T* data) { write_rows(first_row, rows, data, element_type_of<T>()); }
  template <class T>
  void read_rows(int64_t first_row, int64_t rows, T* data) const { read_rows(first_row, rows, data, element_type_of<T>()); }
  template <class T>
  std::vector<T> read_all() const;

 private:
  std::string where() const { return file_ + ": " + path_; }
  Handle h_;
  std::string file_;
  std::string path_;
};

class File {
 public:
  // `comm` == MPI_COMM_NULL opens with the serial driver; otherwise MPI-IO over `comm`
  // (collective: every rank of `comm` must call).
  static File create(const std::string& path, MPI_Comm comm);  // truncates
  static File open(const std::string& path, bool writable, MPI_Comm comm);

  // Closes the file, except a parallel one while an exception unwinds: closing is collective,
  // and a rank that failed alone would wait there forever for ranks that never come; it goes
  // on to main, which aborts the job (the file was written as .partial or chunk-flagged data).
  ~File();
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;

  const std::string& path() const { return path_; }
  hid_t id() const { return h_.id(); }
  bool parallel() const { return parallel_; }

  // Creates `path` (and missing groups) with every byte allocated now and filled with 0, so
  // that later writes are raw data only. Collective when parallel.
  Dataset create_dataset(const std::string& dataset_path, ElementType type, const std::vector<int64_t>& dims);
  Dataset open_dataset(const std::string& dataset_path) const;
  bool exists(const std::string& object_path) const;
  void flush();  // collective when parallel
  void close();  // collective when parallel; also done by the destructor

  // Attributes on the root group.
  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, int64_t value);
  std::optional<std::string> string_attribute(const std::string& name) const;
  std::optional<int64_t> int_attribute(const std::string& name) const;
  std::vector<std::string> attribute_names() const;
  // Root attribute as text whatever its type ("int64 7", "\"text\"", "float64[3] ...").
  std::string describe_attribute(const std::string& name) const;
  // Every dataset in the file, depth first, sorted by path.
  std::vector<std::string> dataset_paths() const;

 private:
  File(Handle h, std::string path, bool parallel) : h_(std::move(h)), path_(std::move(path)), parallel_(parallel) {}
  Handle h_;
  std::string path_;
  bool parallel_ = false;
};

// "[10, 3, 5]": a shape as messages and listings print it.
std::string dims_text(const std::vector<int64_t>& dims);

// HDF5's innermost error message for the last failed call ("" if none).
std::string last_error();

// True if the file starts with the HDF5 signature (cheap check before H5Fopen).
bool is_hdf5(const std::string& path);

}  // namespace sppo::h5
