/* image_import.h - `bootsrv image import DIR|TARBALL NAME`: on the server
 * machine, into state_dir/images without the daemon's help. */
#ifndef BOOTSRV_IMAGE_IMPORT_H
#define BOOTSRV_IMAGE_IMPORT_H

/* argv[0] is "import"; returns the exit status. */
int image_import_main(int argc, char **argv);

#endif
