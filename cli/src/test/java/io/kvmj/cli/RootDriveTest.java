package io.kvmj.cli;

import io.kvmj.config.DriveConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RootDriveTest {
    private static DriveConfig drive(String id, boolean root, boolean readOnly, String partuuid) {
        return new DriveConfig(id, Path.of("/" + id), root, readOnly, partuuid, false, id, false);
    }

    @Test
    void rootDriveGoesFirstOthersKeepTheirOrder() {
        List<DriveConfig> drives = List.of(drive("a", false, false, null), drive("b", false, false, null),
                drive("root", true, false, null), drive("c", false, false, null));
        assertEquals(List.of("root", "a", "b", "c"),
                RootDrive.attachOrder(drives).stream().map(DriveConfig::driveId).toList());
    }

    @Test
    void rootParameterFollowsFirecracker() {
        assertEquals("console=ttyS0 root=/dev/vda rw",
                RootDrive.bootArgs("console=ttyS0", List.of(drive("r", true, false, null))));
        assertEquals("root=/dev/vda ro", RootDrive.bootArgs("", List.of(drive("r", true, true, null))));
        assertEquals("quiet root=PARTUUID=1234-01 rw",
                RootDrive.bootArgs("quiet", List.of(drive("r", true, false, "1234-01"))));
    }

    @Test
    void userRootAndNoRootDriveLeaveTheCommandLineAlone() {
        assertEquals("root=/dev/vdb", RootDrive.bootArgs("root=/dev/vdb", List.of(drive("r", true, false, null))));
        assertEquals("console=ttyS0", RootDrive.bootArgs("console=ttyS0", List.of(drive("d", false, false, null))));
        assertEquals("noroot=1 root=/dev/vda rw",
                RootDrive.bootArgs("noroot=1", List.of(drive("r", true, false, null))), "only a real root= counts");
    }
}
