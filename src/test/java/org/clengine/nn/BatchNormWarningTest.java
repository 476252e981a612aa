package org.clengine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.clengine.testing.TestBackends;
import org.clengine.core.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Eval mode on never-updated running statistics warns once; after a training-mode forward it does not. */
class BatchNormWarningTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(BatchNorm.class);
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private Level before;

    @BeforeEach
    void attach() {
        before = logger.getLevel();
        logger.setLevel(Level.WARN);
        logger.setAdditive(false);
        events.start();
        logger.addAppender(events);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(events);
        logger.setLevel(before);
        logger.setAdditive(true);
    }

    @Test
    void evalOnUntrackedStatisticsWarnsOnce() {
        try (BatchNorm bn = BatchNorm.batchNorm1d(TestBackends.REFERENCE, 3);
                Tensor x = TestBackends.REFERENCE.tensor(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)) {
            bn.eval();
            bn.forward(x);
            bn.forward(x);
            List<ILoggingEvent> warnings = events.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertEquals(1, warnings.size(), events.list.toString());
            assertTrue(warnings.get(0).getFormattedMessage().contains("BatchNorm1d(3) runs in eval mode on running "
                    + "statistics that were never updated"), warnings.get(0).getFormattedMessage());
        }
    }

    @Test
    void evalAfterTrainingDoesNotWarn() {
        try (BatchNorm bn = BatchNorm.batchNorm1d(TestBackends.REFERENCE, 3);
                Tensor x = TestBackends.REFERENCE.tensor(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)) {
            bn.train();
            bn.forward(x);
            bn.eval();
            bn.forward(x);
            assertTrue(events.list.isEmpty(), events.list.toString());
        }
    }
}
