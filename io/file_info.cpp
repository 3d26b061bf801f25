#include "io/file_info.hpp"

#include <fitsio.h>
#include <hdf5.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "io/detail/fits_status.hpp"
#include "io/error.hpp"

namespace lofimap::io {

namespace {

// Keys worth showing: provenance (LM*), WCS, HEALPix.
const std::set<std::string> kShownKeys = {"EXTNAME", "BUNIT",    "CTYPE1",   "CTYPE2", "CRVAL1",  "CRVAL2",
                                          "CRPIX1",  "CRPIX2",   "CD1_1",    "CD2_2",  "PIXTYPE", "ORDERING",
                                          "NSIDE",   "INDXSCHM", "COORDSYS", "OBJECT"};

std::string describe_fits(const std::string& path) {
  fitsfile* f = nullptr;
  int status = 0;
  fits_open_diskfile(&f, path.c_str(), READONLY, &status);
  detail::check_fits(status, path, "opening as FITS");
  std::ostringstream out;
  int nhdu = 0;
  fits_get_num_hdus(f, &nhdu, &status);
  out << path << ": FITS, " << nhdu << " HDU(s)\n";
  for (int h = 1; h <= nhdu && status == 0; ++h) {
    int type = 0;
    fits_movabs_hdu(f, h, &type, &status);
    char extname[FLEN_VALUE] = "";
    int s2 = 0;
    fits_read_key(f, TSTRING, "EXTNAME", extname, nullptr, &s2);
    out << "HDU " << h - 1 << " " << (extname[0] ? extname : (h == 1 ? "PRIMARY" : "")) << ": ";
    if (type == IMAGE_HDU) {
      int naxis = 0;
      long naxes[9] = {0};
      fits_get_img_dim(f, &naxis, &status);
      fits_get_img_size(f, 9, naxes, &status);
      out << "image";
      for (int i = 0; i < naxis; ++i) out << (i ? " x " : " ") << naxes[i];
      if (naxis == 0) out << " (no data)";
      out << "\n";
    } else {
      long rows = 0;
      int cols = 0;
      fits_get_num_rows(f, &rows, &status);
      fits_get_num_cols(f, &cols, &status);
      out << (type == BINARY_TBL ? "binary" : "ASCII") << " table, " << rows << " rows, columns:";
      for (int c = 1; c <= cols; ++c) {
        char key[FLEN_KEYWORD], name[FLEN_VALUE] = "", form[FLEN_VALUE] = "";
        int s3 = 0;
        fits_make_keyn("TTYPE", c, key, &s3);
        fits_read_key(f, TSTRING, key, name, nullptr, &s3);
        fits_make_keyn("TFORM", c, key, &s3);
        fits_read_key(f, TSTRING, key, form, nullptr, &s3);
        out << " " << name << "(" << form << ")";
      }
      out << "\n";
    }
    int nkeys = 0;
    fits_get_hdrspace(f, &nkeys, nullptr, &status);
    for (int k = 1; k <= nkeys; ++k) {
      char card[FLEN_CARD] = "", name[FLEN_KEYWORD] = "";
      int len = 0, s4 = 0;
      fits_read_record(f, k, card, &s4);
      fits_get_keyname(card, name, &len, &s4);
      const std::string key = name;
      if (kShownKeys.count(key) || key.rfind("LM", 0) == 0) {
        char* value = nullptr;
        int s5 = 0;
        fits_read_key_longstr(f, name, &value, nullptr, &s5);
        if (s5 == 0 && value) {
          out << "    " << key << " = " << value << "\n";
          fits_free_memory(value, &s5);
        }
      }
    }
  }
  int ignore = 0;
  fits_close_file(f, &ignore);
  detail::check_fits(status, path, "reading HDUs");
  return out.str();
}

herr_t visit_object(hid_t root, const char* name, const H5O_info_t* info, void* data) {
  auto& out = *static_cast<std::ostringstream*>(data);
  if (info->type == H5O_TYPE_GROUP) {
    out << "  group   /" << (std::string(name) == "." ? "" : name) << "\n";
  } else if (info->type == H5O_TYPE_DATASET) {
    hid_t ds = H5Dopen2(root, name, H5P_DEFAULT);
    hid_t space = H5Dget_space(ds);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::array<hsize_t, 16> dims{};
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    out << "  dataset /" << name << " [";
    for (int i = 0; i < rank; ++i) out << (i ? " x " : "") << dims[static_cast<size_t>(i)];
    out << "]\n";
    H5Sclose(space);
    H5Dclose(ds);
  }
  return 0;
}

std::string describe_hdf5(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) throw Error(path, "opening as HDF5", "H5Fopen failed");
  std::ostringstream out;
  out << path << ": HDF5\n";
  const herr_t rc = H5Ovisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, visit_object, &out);
  H5Fclose(file);
  if (rc < 0) throw Error(path, "listing HDF5 objects", "H5Ovisit failed");
  return out.str();
}

}  // namespace

std::string describe_file(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error(path, "inspecting", "no such file");
  std::ifstream in(path, std::ios::binary);
  std::array<char, 9> head{};
  in.read(head.data(), 9);
  const std::string magic(head.data(), static_cast<size_t>(in.gcount()));
  if (magic.rfind("SIMPLE  =", 0) == 0) return describe_fits(path);
  if (magic.rfind("\x89HDF\r\n\x1a\n", 0) == 0) return describe_hdf5(path);
  throw Error(path, "inspecting", "neither a FITS nor an HDF5 file");
}

}  // namespace lofimap::io
